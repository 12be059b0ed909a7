/**
 * End-to-end: the project page's Webhooks panel in real Chromium against the live
 * stack (API, controller with its delivery worker, Postgres, git remote) and a real
 * local HTTP receiver that verifies signatures with the secret typed into the form.
 * Add a hook, see a deploy's events arrive and the attempts in the panel, switch
 * it off, remove it.
 *
 * Screenshots go to $KUBIDU_ARTIFACTS_DIR (default <repo>/artifacts/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser } from 'playwright-core';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import { waitFor } from '../../../test-support/wait.js';

const webRoot = resolve(import.meta.dirname, '../..');
const artifacts = resolve(process.env.KUBIDU_ARTIFACTS_DIR ?? join(webRoot, '..', 'artifacts'));
const CHROMIUM = toolOrSkip('chromium', process.env.CHROMIUM_PATH);
const SECRET = 'typed-in-the-browser-secret';

describe.skipIf(!CHROMIUM)('web Webhooks panel in Chromium', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let distDir: string;
  let user: { email: string; password: string; token: string };
  let projectId: string;
  let serviceId: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'kubidu-web-dist-'));
    await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
    receiver = await startWebhookReceiver(SECRET);
    stack = await startTestStack({
      webDistDir: distDir,
      sync: null,
      secrets: null,
      env: { KUBIDU_WEBHOOK_ALLOW_PRIVATE: 'true', KUBIDU_WEBHOOK_POLL_MS: '50', KUBIDU_GIT_POLL_SECONDS: '3600' },
    });
    user = await stack.register();
    projectId = (await stack.request<{ id: string }>('POST', '/api/projects', user.token, { name: 'hooks' + Date.now().toString(36) })).body.id;
    serviceId = (await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, user.token, { name: 'web', port: 8080 })).body.id;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver?.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('adds a hook, shows its deliveries, switches it off and removes it', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    page.on('pageerror', (e) => console.error('[browser error]', e.message));
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.goto(`${stack.apiUrl}/#/projects/${projectId}`);
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('No webhooks').waitFor();

    // The form refuses a bad URL before sending; then a good one is saved.
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByLabel('URL').fill('ftp://nope.example');
    await page.getByLabel('Signing secret').fill(SECRET);
    await page.locator('form.webhook-form').evaluate((f: HTMLFormElement) => f.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await page.getByRole('alert').filter({ hasText: 'http:// or https://' }).waitFor();
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save webhook' }).click();
    const row = page.locator('li.webhook-row');
    await row.getByText(receiver.url).waitFor();
    await expect(row.textContent()).resolves.toContain('all events');
    const [hook] = (await stack.request<{ items: Array<{ id: string; enabled: boolean }> }>('GET', `/api/projects/${projectId}/webhooks`, user.token)).body.items;

    // A deploy's events reach the receiver, signed with the secret typed in the form, and show in the panel.
    const d = await stack.request<{ id: string }>('POST', `/api/services/${serviceId}/deployments`, user.token, { image: 'registry.example.com/hooks/web:1.0' });
    expect(d.status).toBe(202);
    await waitFor('started and succeeded delivered', async () => receiver.accepted().map((a) => a.body.type), {
      until: (types) => types.includes('deployment.started') && types.includes('deployment.succeeded'),
    });
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    await row.getByRole('button', { name: 'Deliveries' }).click();
    await row.locator('.delivery-delivered').first().waitFor();
    const lines = await row.locator('.delivery-list li').allTextContents();
    expect(lines.some((l) => /^Delivered: deployment\.started · attempt 1 · HTTP 200/.test(l))).toBe(true);
    await page.screenshot({ path: join(artifacts, 'web-webhooks.png'), fullPage: true });

    // Switch it off: the API says so.
    await row.getByLabel('Enabled').uncheck();
    await waitFor('the hook disabled', async () => (await stack.request<{ items: Array<{ enabled: boolean }> }>('GET', `/api/projects/${projectId}/webhooks`, user.token)).body.items[0], {
      until: (h) => h.enabled === false,
    });
    // Remove it.
    await row.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No webhooks').waitFor();
    const after = await stack.request<{ items: unknown[] }>('GET', `/api/projects/${projectId}/webhooks`, user.token);
    expect(after.body.items).toEqual([]);
    expect(hook.id).toBeTruthy();
  });
});
