/**
 * Issue 20 in real Chromium (playwright-core) against the live stack (API, controller, a real
 * Postgres, a real git smart-HTTP remote): the service page's automatic-rollback switch
 * PATCHes the service, and the project page's "Roll back to…" previews a moment across
 * services (changed and skipped) and rolls the changed ones back as one release, followed
 * until RUNNING. No Argo CD here: rows end at the commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import { waitFor } from '../../../test-support/wait.js';

const webRoot = resolve(import.meta.dirname, '../..');
const CHROMIUM = toolOrSkip('chromium', process.env.CHROMIUM_PATH);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!CHROMIUM)('issue 20 in the web app', () => {
  let stack: TestStack;
  let browser: Browser;
  let distDir: string;
  let user: { email: string; password: string; token: string };
  let projectId: string;
  const svc: Record<string, string> = {};
  let at = '';

  async function deploy(serviceId: string, image: string) {
    const r = await stack.request<{ id: string }>('POST', `/api/services/${serviceId}/deployments`, user.token, { image, override: true });
    expect(r.status).toBe(202);
    await waitFor(`${r.body.id} RUNNING`, async () => (await stack.request<{ status: string }>('GET', `/api/deployments/${r.body.id}`, user.token)).body.status === 'RUNNING');
  }

  async function signIn(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    page.on('pageerror', (e) => console.error('[browser error]', e.message));
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    return page;
  }

  beforeAll(async () => {
    distDir = mkdtempSync(join(tmpdir(), 'kubidu-web-dist-'));
    await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
    stack = await startTestStack({ controller: true, webDistDir: distDir, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '3600' } });
    user = await stack.register();
    projectId = (await stack.request<{ id: string }>('POST', '/api/projects', user.token, { name: 'shop' })).body.id;
    for (const name of ['api', 'web', 'worker']) svc[name] = (await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, user.token, { name })).body.id;
    for (const name of ['api', 'web', 'worker']) await deploy(svc[name], `ghcr.io/acme/${name}:1.0`);
    await new Promise((r) => setTimeout(r, 1100));
    at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    for (const name of ['api', 'web']) await deploy(svc[name], `ghcr.io/acme/${name}:2.0`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('the service page switch turns automatic rollback on and off', { timeout: 120_000 }, async () => {
    const page = await signIn();
    await page.getByRole('link', { name: /^shop/ }).click();
    await page.getByRole('link', { name: /^web/ }).click();
    const sw = page.getByRole('switch', { name: /Auto-rollback/ });
    await sw.waitFor();
    expect(await sw.getAttribute('aria-checked')).toBe('false');
    await sw.click();
    await page.getByRole('switch', { name: 'Auto-rollback: on' }).waitFor();
    expect((await stack.request<{ autoRollback: boolean }>('GET', `/api/services/${svc.web}`, user.token)).body.autoRollback).toBe(true);
    await sw.click();
    await page.getByRole('switch', { name: 'Auto-rollback: off' }).waitFor();
    expect((await stack.request<{ autoRollback: boolean }>('GET', `/api/services/${svc.web}`, user.token)).body.autoRollback).toBe(false);
  });

  it('"Roll back to…" previews the moment across services and rolls back the changed ones as one release', { timeout: 180_000 }, async () => {
    const page = await signIn();
    await page.getByRole('link', { name: /^shop/ }).click();
    await page.getByRole('button', { name: 'Roll back to…' }).click();
    await page.getByLabel(/Back to/).fill(at);
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'What will change' });
    await preview.getByText('worker: skipped').waitFor();
    const text = await preview.innerText();
    expect(text).toMatch(/api → \w{8} · image ghcr\.io\/acme\/api:2\.0 → ghcr\.io\/acme\/api:1\.0/);
    expect(text).toMatch(/web → \w{8} · image ghcr\.io\/acme\/web:2\.0 → ghcr\.io\/acme\/web:1\.0/);
    await page.getByLabel(/Reason/).fill('2.0 broke checkout');
    await page.getByRole('button', { name: 'Roll back 2 services in one commit' }).click();
    await page.getByRole('status').filter({ hasText: /Release \w{8}: RUNNING — All 2 services are running/ }).waitFor({ timeout: 120_000 });
    const releases = (await stack.request<{ items: Array<{ reason: string; deployments: Array<{ service: string; imageUrl: string }> }> }>('GET', `/api/projects/${projectId}/releases`, user.token)).body.items;
    expect(releases[0].reason).toBe('2.0 broke checkout');
    expect(releases[0].deployments.map((d) => d.imageUrl)).toEqual(['ghcr.io/acme/api:1.0', 'ghcr.io/acme/web:1.0']);
  });
});
