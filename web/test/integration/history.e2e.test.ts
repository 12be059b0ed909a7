/**
 * End-to-end: the built web app in real Chromium (Debian `chromium`, driven by
 * playwright-core) against a live API, the controller, a real Postgres and a real
 * git smart-HTTP manifests remote (test-support/stack.ts). The only stand-in is
 * the Argo CD sync step, a small hand-written SyncRunner handed to the controller
 * so one deployment can fail and the rollback's sync can be held until the test
 * has seen it in flight.
 *
 * Screenshots go to $KUBIDU_ARTIFACTS_DIR (default <repo>/artifacts/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import type { SyncRunner } from '../../../controller/src/reconcile/deploy-one.js';
import type { DeployHoldView, DeploymentView } from '@kubidu/core/contract/deployments';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';

const webRoot = resolve(import.meta.dirname, '../..');
const repoRoot = resolve(webRoot, '..');
const artifacts = resolve(process.env.KUBIDU_ARTIFACTS_DIR ?? join(repoRoot, 'artifacts'));
// Skips on a machine without Chromium, fails under CI (scripts/ensure-system-deps.sh installs it).
const CHROMIUM = toolOrSkip('chromium', process.env.CHROMIUM_PATH);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Argo CD stand-in: "[fail]" in the reason fails the sync; "[hold]" waits for the test. */
function e2eSyncRunner() {
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const runner: SyncRunner = {
    appNameFor: (project, service) => `${project}-${service}`,
    async run(input) {
      await input.onStatus(`Syncing ${input.appName} to ${input.commitSha.slice(0, 7)}`);
      if (input.reason?.includes('[fail]')) return { outcome: 'FAILED', message: 'Sync failed: health Degraded (CrashLoopBackOff)' };
      if (input.reason?.includes('[hold]')) await held;
      return { outcome: 'RUNNING', message: `Synced ${input.commitSha.slice(0, 7)}, healthy`, syncedRevision: input.commitSha };
    },
  };
  return { runner, release: () => release() };
}


const short = (id: string) => id.slice(0, 8);
const row = (page: Page, id: string) => page.locator(`article[data-deployment-id="${id}"]`);

describe.skipIf(!CHROMIUM)('web history view in Chromium', () => {
  let stack: TestStack;
  let browser: Browser;
  let sync: ReturnType<typeof e2eSyncRunner>;
  let distDir: string;
  let user: { email: string; password: string; token: string };
  let serviceId: string;
  let projectId: string;
  const ids: { first: string; second: string; broken: string } = { first: '', second: '', broken: '' };

  async function deploy(body: Record<string, unknown>, until: DeploymentView['status']): Promise<DeploymentView> {
    const r = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, user.token, body);
    expect(r.status).toBe(202);
    return waitFor(`${r.body.id} ${until}`, async () => {
      const g = await stack.request<DeploymentView>('GET', `/api/deployments/${r.body.id}`, user.token);
      return g.body.status === until ? g.body : null;
    });
  }

  async function history(): Promise<DeploymentView[]> {
    const r = await stack.request<{ items: DeploymentView[] }>('GET', `/api/services/${serviceId}/deployments`, user.token);
    return r.body.items;
  }

  async function signIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('[browser error]', e.message));
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    return page;
  }

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'kubidu-web-dist-'));
    await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
    sync = e2eSyncRunner();
    stack = await startTestStack({ controller: true, webDistDir: distDir, sync: sync.runner });
    user = await stack.register();

    const project = await stack.request<{ id: string }>('POST', '/api/projects', user.token, { name: 'shop' + Date.now().toString(36) });
    expect(project.status).toBe(201);
    projectId = project.body.id;
    const service = await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, user.token, { name: 'web', port: 8080 });
    expect(service.status).toBe(201);
    serviceId = service.body.id;

    ids.first = (await deploy({ image: 'registry.example.com/shop/web:1.4.0', env: { LOG_LEVEL: 'info' }, secrets: { DB_PASSWORD: 'hunter22' }, commitMessage: 'Checkout: new payment form' }, 'RUNNING')).id;
    ids.second = (await deploy({ image: 'registry.example.com/shop/web:1.5.0', env: { LOG_LEVEL: 'debug', FEATURE_CART: 'on' }, secrets: { DB_PASSWORD: 'hunter33' }, replicas: 2, commitMessage: 'Cart: faster totals' }, 'RUNNING')).id;
    ids.broken = (await deploy({ image: 'registry.example.com/shop/web:1.6.0', commitMessage: 'Upgrade runtime', reason: 'release [fail]' }, 'FAILED')).id;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    sync?.release();
    await browser?.close();
    await stack?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('signs in, shows the history, rolls back with Cancel doing nothing and Confirm going live', async () => {
    const before = await history();
    expect(before.map((d) => [d.id, d.status])).toEqual([
      [ids.broken, 'FAILED'],
      [ids.second, 'RUNNING'],
      [ids.first, 'SUCCESS'],
    ]);

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: 'light' });
    const page = await signIn(context);
    await page.getByRole('link', { name: /^shop/ }).click();
    await page.getByRole('link', { name: /^web/ }).click();
    await row(page, ids.first).waitFor();
    await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();

    // Newest first; the current one marked; Rollback only on the SUCCESS row.
    const order = await page.locator('article[data-deployment-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-deployment-id')));
    expect(order).toEqual([ids.broken, ids.second, ids.first]);
    await expect(row(page, ids.second).locator('.current-mark').textContent()).resolves.toContain('Current');
    expect(await row(page, ids.broken).getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    expect(await row(page, ids.second).getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    expect(await row(page, ids.first).getByRole('button', { name: `Roll back to deployment ${short(ids.first)}` }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /Roll back to deployment/ }).count()).toBe(1);
    expect(await row(page, ids.broken).locator('.status-badge').textContent()).toContain('Failed');
    expect(await row(page, ids.broken).textContent()).toContain('CrashLoopBackOff');
    expect(await row(page, ids.first).locator('time').getAttribute('title')).toMatch(/\d{4}/);
    await page.screenshot({ path: join(artifacts, 'web-history.png'), fullPage: true });

    // Open the dialog: it names the target and shows the diff (secret as "changed" only).
    await row(page, ids.first).getByRole('button', { name: /Roll back/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe(`Roll back to ${short(ids.first)}?`);
    await dialog.getByText('registry.example.com/shop/web:1.5.0').first().waitFor();
    const dialogText = await dialog.textContent();
    expect(dialogText).toContain('Replicas');
    expect(dialogText).toContain('Variable FEATURE_CART removed');
    expect(dialogText).toContain('LOG_LEVEL: debug → info');
    expect(dialogText).toContain('Secret DB_PASSWORD changed (value hidden)');
    expect(dialogText).not.toContain('hunter');
    await page.screenshot({ path: join(artifacts, 'web-rollback-dialog.png') });

    // Focus stays in the modal dialog while tabbing.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    }

    // Cancel changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await history()).map((d) => [d.id, d.status])).toEqual(before.map((d) => [d.id, d.status]));
    expect(await page.locator('article[data-deployment-id]').count()).toBe(3);

    // Escape closes it too.
    await row(page, ids.first).getByRole('button', { name: /Roll back/ }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await history()).toHaveLength(3);
    // Keyboard users land back on the button they came from.
    await waitFor('focus back on the row button', () =>
      page.evaluate((id) => document.activeElement?.closest('article')?.getAttribute('data-deployment-id') === id, ids.first),
    );

    // Confirm: the new row appears at the top at once and goes live to RUNNING without a reload.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await row(page, ids.first).getByRole('button', { name: /Roll back/ }).click();
    await dialog.waitFor();
    await dialog.getByLabel(/Reason/).fill('1.5.0 broke checkout [hold]');
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await dialog.waitFor({ state: 'detached' });

    const top = page.locator('article[data-deployment-id]').first();
    const newId = (await top.getAttribute('data-deployment-id'))!;
    expect([ids.broken, ids.second, ids.first]).not.toContain(newId);
    expect(await top.locator('.rollback-of').textContent()).toBe(`↩ Rollback of ${short(ids.first)}`);
    expect(await top.locator('.source').textContent()).toBe('Rollback (web)');
    expect(await top.textContent()).toContain('1.5.0 broke checkout');
    // Held in sync by the stand-in: the row shows an in-flight status, pushed live.
    await top.locator('.status-badge[data-status="DEPLOYING"]').waitFor();
    await page.screenshot({ path: join(artifacts, 'web-history-rollback-in-flight.png'), fullPage: true });

    sync.release();
    await top.locator('.status-badge[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
    await top.locator('.current-mark').waitFor();
    await row(page, ids.second).locator('.status-badge[data-status="SUCCESS"]').waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await top.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    expect(await row(page, ids.second).getByRole('button', { name: /Roll back/ }).count()).toBe(1);
    expect(await top.locator('.manifests code').textContent()).toMatch(/^[0-9a-f]{7}$/);

    const after = await history();
    expect(after[0]).toMatchObject({ id: newId, status: 'RUNNING', source: 'ROLLBACK', rollbackFromId: ids.first, isCurrent: true });
    await page.screenshot({ path: join(artifacts, 'web-history-after-rollback.png'), fullPage: true });

    // The audit view tells the same story.
    await page.getByRole('link', { name: /^shop/ }).click();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('.audit-row[data-action="DEPLOYMENT_ROLLBACK"]').first().waitFor();
    await page.screenshot({ path: join(artifacts, 'web-audit.png'), fullPage: true });
    await context.close();
  });

  it('issue 10: the hold banner and its Release button, a bad mark and its removal, the rollback choice with its diff, a git revert', async () => {
    const page0 = await stack.request<{ items: DeploymentView[]; hold: DeployHoldView | null }>('GET', `/api/services/${serviceId}/deployments`, user.token);
    const rollbackId = page0.body.items[0].id;
    expect(page0.body.hold).toMatchObject({ rollbackId, heldBy: user.email });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await signIn(context);
    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    await row(page, ids.first).waitFor();

    // The rollback made in the first test holds deploys: the banner says so; CI's deploy is refused.
    const banner = page.getByRole('region', { name: 'Deploy hold' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Deploys are held: rollback ${short(rollbackId)} by ${user.email} is in force (1.5.0 broke checkout [hold])`);
    const refused = await stack.request<{ code: string; message: string }>('POST', `/api/services/${serviceId}/deployments`, user.token, { image: 'registry.example.com/shop/web:1.7.0' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('DEPLOY_HELD');
    await page.screenshot({ path: join(artifacts, 'web-history-hold.png'), fullPage: true });
    await banner.getByRole('button', { name: 'Release hold' }).click();
    await banner.waitFor({ state: 'detached' });
    const released = await stack.request<{ hold: DeployHoldView | null }>('GET', `/api/services/${serviceId}/deployments`, user.token);
    expect(released.body.hold).toBeNull();
    const audit = await stack.request<{ items: { action: string; actor: string }[] }>('GET', `/api/audit?serviceId=${serviceId}`, user.token);
    expect(audit.body.items[0]).toMatchObject({ action: 'DEPLOY_HOLD_RELEASED', actor: user.email });

    // Mark the SUCCESS row bad: its Rollback button goes, the badge and reason show; the API agrees; unmark brings it back.
    const second = row(page, ids.second);
    expect(await second.getByRole('button', { name: /Roll back/ }).count()).toBe(1);
    await second.getByRole('button', { name: `Mark bad: deployment ${short(ids.second)}` }).click();
    await second.getByLabel(/Why is/).fill('memory leak in the cart');
    await second.getByRole('button', { name: 'Mark bad', exact: true }).click();
    await second.locator('.bad-badge').waitFor();
    expect(await second.locator('.bad-reason').textContent()).toContain(`Marked bad by ${user.email}: memory leak in the cart`);
    expect(await second.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    const marked = await stack.request<DeploymentView>('GET', `/api/deployments/${ids.second}`, user.token);
    expect(marked.body).toMatchObject({ canRollback: false, bad: { reason: 'memory leak in the cart', by: user.email } });
    const refusedRollback = await stack.request<{ code: string }>('POST', `/api/deployments/${ids.second}/rollback`, user.token, {});
    expect(refusedRollback.body.code).toBe('ROLLBACK_TARGET_BAD');
    await page.screenshot({ path: join(artifacts, 'web-history-bad.png'), fullPage: true });
    await second.getByRole('button', { name: `Unmark bad: deployment ${short(ids.second)}` }).click();
    await second.locator('.bad-badge').waitFor({ state: 'detached' });
    await second.getByRole('button', { name: /Roll back/ }).waitFor();
    expect((await stack.request<DeploymentView>('GET', `/api/deployments/${ids.second}`, user.token)).body.bad).toBeNull();

    // The rollback choice: the diff follows it, and the row says what was restored.
    await second.getByRole('button', { name: /Roll back/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.diff-lines').waitFor();
    expect(await dialog.getByRole('radio', { name: /Everything/ }).isChecked()).toBe(true);
    let text = (await dialog.locator('.dialog-diff').textContent())!;
    expect(text).toContain('registry.example.com/shop/web:1.5.0');
    expect(text).toContain('Variable FEATURE_CART added');
    await dialog.getByRole('radio', { name: /Image only/ }).check();
    const diffText = async () => (await dialog.locator('.dialog-diff').textContent())!;
    await waitFor('the image-only diff', async () => (await diffText()).includes('in the image') && !(await diffText()).includes('FEATURE_CART'));
    text = (await dialog.locator('.dialog-diff').textContent())!;
    expect(text).toContain('registry.example.com/shop/web:1.5.0');
    expect(text).not.toContain('Replicas');
    await dialog.getByRole('radio', { name: /Config only/ }).check();
    await waitFor('the config-only diff', async () => (await diffText()).includes('in the config'));
    text = (await dialog.locator('.dialog-diff').textContent())!;
    expect(text).not.toContain('registry.example.com/shop/web:1.5.0');
    expect(text).toContain('Replicas');
    await page.screenshot({ path: join(artifacts, 'web-rollback-dialog-config-only.png') });
    await dialog.getByLabel(/Reason/).fill('keep 1.4.0, want the cart flag back');
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await dialog.waitFor({ state: 'detached' });
    const top = page.locator('article[data-deployment-id]').first();
    const configId = (await top.getAttribute('data-deployment-id'))!;
    expect(await top.locator('.rollback-of').textContent()).toBe(`↩ Rollback of ${short(ids.second)} (config only)`);
    await top.locator('.status-badge[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
    const cfg = await stack.request<DeploymentView & { env: { key: string; value: string | null }[] }>('GET', `/api/deployments/${configId}`, user.token);
    expect(cfg.body).toMatchObject({ rollbackOnly: 'config', imageUrl: 'registry.example.com/shop/web:1.4.0', replicas: 2, door: 'rollback', via: 'web', reason: 'keep 1.4.0, want the cart flag back' });
    expect(cfg.body.env.map((e) => e.key)).toEqual(['DB_PASSWORD', 'FEATURE_CART', 'LOG_LEVEL']);
    await banner.waitFor(); // that rollback holds deploys again

    // A `git revert` of that rollback commit, pushed with plain git, shows up live as a git row.
    const wt = await cloneFresh(stack.manifestsUrl);
    try {
      const body = (await gitCli(wt, 'log', '-1', '--format=%B')).trim();
      expect(body).toContain('Reason: keep 1.4.0, want the cart flag back');
      expect(body.split('\n')[0]).toMatch(new RegExp(`^rollback\\(shop\\w+/web\\): to ${short(ids.second)} \\(config only\\) — registry\\.example\\.com/shop/web:1\\.4\\.0$`));
      await gitCli(wt, 'revert', '--no-edit', 'HEAD');
      await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
    } finally {
      rmSync(wt, { recursive: true, force: true });
    }
    stack.controller!.triggerImport();
    const gitRow = page.locator('article[data-deployment-id]').first().filter({ has: page.locator('.source[data-door="git"]') });
    await gitRow.waitFor({ timeout: 30_000 });
    expect(await gitRow.locator('.reverted').textContent()).toBe(`⟲ Reverted rollback ${short(configId)}`);
    expect(await gitRow.locator('.actor').textContent()).toContain('Human <human@example.com>');
    await gitRow.locator('.status-badge[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
    // Reverting the rollback in git lifted its deploy hold; the open page hears it (no reload).
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await stack.request<{ hold: DeployHoldView | null }>('GET', `/api/services/${serviceId}/deployments`, user.token)).body.hold).toBeNull();
    await page.screenshot({ path: join(artifacts, 'web-history-doors.png'), fullPage: true });
    const doors = await page.locator('article[data-deployment-id] .source').allTextContents();
    expect(doors).toEqual(['git', 'Rollback (web)', 'Rollback (web)', 'API', 'API', 'API']);
    await context.close();
  });

  it('works at phone width (390 px): no sideways scrolling, dialog fits', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await signIn(context);
    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    await row(page, ids.first).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(artifacts, 'web-history-phone.png'), fullPage: true });

    await row(page, ids.second).getByRole('button', { name: /Roll back/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.diff-lines').waitFor();
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, 'web-rollback-dialog-phone.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(artifacts, 'web-history-phone-dark.png'), fullPage: true });
    await context.close();
  });

  it('shows a network failure in words inside the dialog and changes nothing', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await signIn(context);
    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    await row(page, ids.second).waitFor();
    const count = (await history()).length;
    await row(page, ids.second).getByRole('button', { name: /Roll back/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.diff-lines').waitFor();
    await page.route('**/api/deployments/*/rollback', (route) => route.abort('connectionrefused'));
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Could not reach the server/);
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await history()).toHaveLength(count);
    await context.close();
  });

  it('loads older deployments with the Load more button and by scrolling', async () => {
    const svc = await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, user.token, { name: 'api', port: 9000 });
    expect(svc.status).toBe(201);
    await stack.ds.query(
      `INSERT INTO deployments (service_id, status, source, image_url, port, actor, commit_message, created_at)
       SELECT $1, CASE WHEN g = 45 THEN 'RUNNING' ELSE 'SUCCESS' END, 'API', 'registry.example.com/shop/api:0.' || g || '.0',
              9000, 'bulk@example.com', 'bulk release ' || g, now() - interval '1 minute' * (100 - g)
       FROM generate_series(1, 45) g`,
      [svc.body.id],
    );
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await signIn(context);
    await page.goto(`${stack.apiUrl}/#/services/${svc.body.id}`);
    const rows = page.locator('article[data-deployment-id]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(20);
    expect(await rows.first().locator('.image').textContent()).toBe('registry.example.com/shop/api:0.45.0');

    await page.getByRole('button', { name: 'Load more' }).click();
    await waitFor('40 rows', async () => (await rows.count()) === 40);

    await page.getByRole('button', { name: 'Load more' }).scrollIntoViewIfNeeded();
    await page.getByText('That is the whole history.').waitFor();
    expect(await rows.count()).toBe(45);
    expect(await rows.last().locator('.image').textContent()).toBe('registry.example.com/shop/api:0.1.0');
    const images = await page.locator('article .image').allTextContents();
    expect(new Set(images).size).toBe(45);
    expect(await page.getByRole('button', { name: /Roll back to deployment/ }).count()).toBe(44);
    await context.close();
  });

  it('sends a stale session back to sign-in', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() =>
      localStorage.setItem('kubidu.session', JSON.stringify({ token: 'kbd_' + 'x'.repeat(40), expiresAt: null, email: 'gone@example.com' })),
    );
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    await page.getByRole('heading', { name: 'Sign in to Kubidu' }).waitFor();
    expect(await page.getByRole('status').first().textContent()).toContain('session ended');
    await context.close();
  });
});
