/**
 * End-to-end (issue 19): a person who starts in the browser does everything there.
 * The built web app in real Chromium (playwright-core) against the live stack
 * (test-support/stack.ts: real Postgres, API, controller, git smart-HTTP manifests
 * remote; no sync engine, so deploys end at the commit as on a fresh install).
 * The test makes no API call itself: it signs up, creates a project and a service,
 * deploys twice with env and a secret, rolls back from the history, opens the
 * deployment page and the audit page — all through the UI — with no console
 * error, axe-core finding no serious or critical violation on each view, and
 * screenshots at 1280 × 800 and 390 × 844 in web/test-results/ (gitignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import { waitFor } from '../../../test-support/wait.js';

const webRoot = resolve(import.meta.dirname, '../..');
const results = resolve(process.env.KUBIDU_WEB_RESULTS_DIR ?? join(webRoot, 'test-results'));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = toolOrSkip('chromium', process.env.CHROMIUM_PATH);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const COMMIT_URL = 'https://git.example.com/org/manifests/commit/{sha}';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'correct horse battery';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core injected into the page; the serious and critical violations, as "rule: help (targets)". */
async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the app's CSP (script-src 'self') stays in force and is not bypassed.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** A page that records every console error and uncaught exception. */
async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return { page, errors };
}

/** Screenshots of one view at desktop and phone size (the view stays at desktop size after). */
async function shoot(page: Page, name: string) {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(results, `${name}-1280x800.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: join(results, `${name}-390x844.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

async function signUp(page: Page, stack: TestStack, email: string) {
  await page.goto(`${stack.apiUrl}/`);
  await page.getByRole('link', { name: 'Create one' }).click();
  // The register view is loaded on demand: fill its fields, not the sign-in form's on the way out.
  await page.getByRole('heading', { name: 'Create a Kubidu account' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page
    .getByRole('heading', { name: 'Projects' })
    .waitFor()
    .catch(async (err) => {
      await page.screenshot({ path: join(results, 'failed-sign-up.png') });
      throw new Error(`${(err as Error).message}\npage says: ${await page.locator('main').textContent()}`);
    });
}

const rows = (page: Page) => page.locator('article[data-deployment-id]');

/** Keyboard only: presses Tab until the focused element is `name` (a form field's name or a button's text). */
async function tabTo(page: Page, name: string) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null;
      return el?.getAttribute('name') || el?.textContent?.trim() || '';
    });
    if (here === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}
const textOf = async (page: Page, selector: string) => (await page.locator(selector).allTextContents()).join('\n');

describe.skipIf(!CHROMIUM)('the web dashboard in Chromium', () => {
  let stack: TestStack;
  let browser: Browser;
  let distDir: string;

  beforeAll(async () => {
    mkdirSync(results, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'kubidu-web-dist-'));
    await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
    stack = await startTestStack({ controller: true, webDistDir: distDir, sync: null, env: { KUBIDU_COMMIT_URL_TEMPLATE: COMMIT_URL } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('signs up, creates a project and a service, deploys twice, rolls back, and reads the deployment and audit pages', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light' });
    const { page, errors } = await openPage(context);
    const email = `web-${Date.now().toString(36)}@example.com`;
    await signUp(page, stack, email);

    // Projects: the empty state points at the form, not at the CLI.
    expect(await page.locator('.empty').textContent()).toContain('Create your first one below');
    expect(await axeProblems(page)).toEqual([]);
    await shoot(page, 'projects');
    // Keyboard only, from the top of the page.
    await tabTo(page, 'project-name');
    await page.keyboard.type('Shop Demo');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Shop Demo/ }).waitFor();
    await page.getByText('This project has no services yet').waitFor();
    expect(await page.title()).toBe('Shop Demo · Kubidu');
    expect(await axeProblems(page)).toEqual([]);
    await shoot(page, 'project');

    await tabTo(page, 'service-name');
    await page.keyboard.type('web');
    await tabTo(page, 'Create service');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
    const serviceUrl = page.url();
    // The service page names the project as the project page does.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Shop Demo' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Breadcrumb' }).textContent()).toMatch(/^Projects\s*\/\s*Shop Demo\s*\/\s*web$/);
    await waitFor('the title', async () => ((await page.title()) === 'web · Shop Demo · Kubidu' ? true : null));
    await page.getByText('No deployments yet').waitFor();

    // Deploy 1: an image with a message, a plain variable and a secret.
    // Keyboard only again: Tab through the deploy form, type, Enter on Deploy.
    await tabTo(page, 'image');
    await page.keyboard.type('registry.example.com/shop/web:1.0.0');
    await tabTo(page, 'message');
    await page.keyboard.type('First release');
    await tabTo(page, 'env');
    await page.keyboard.type('GREETING=hello v1');
    await tabTo(page, 'secrets');
    await page.keyboard.type('API_TOKEN=s3cret-one');
    await tabTo(page, 'Deploy');
    await page.keyboard.press('Enter');
    await rows(page).first().locator('.status-badge[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
    const first = (await rows(page).first().getAttribute('data-deployment-id'))!;
    expect(await page.getByRole('textbox', { name: /^Secrets/ }).inputValue()).toBe('');

    // The env panel: plain values shown, the secret only as set.
    const envPanel = page.getByRole('region', { name: 'Environment' });
    await envPanel.locator('tr[data-env-key="GREETING"]').getByText('hello v1').waitFor();
    expect(await envPanel.locator('tr[data-env-key="API_TOKEN"]').textContent()).toContain('secret · set');

    // Deploy 2: a new image and a changed variable; the secret is kept.
    await page.getByLabel('Image', { exact: true }).fill('registry.example.com/shop/web:1.1.0');
    await page.getByRole('textbox', { name: /^Message/ }).fill('Second release');
    await page.getByRole('textbox', { name: /^Env/ }).fill('GREETING=hello v3');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await waitFor('two deployments, the newest running', async () =>
      (await rows(page).count()) === 2 && (await rows(page).first().locator('.status-badge[data-status="RUNNING"]').count()) === 1 ? true : null,
    );
    const second = (await rows(page).first().getAttribute('data-deployment-id'))!;
    await rows(page).nth(1).locator('.status-badge[data-status="SUCCESS"]').waitFor();
    await envPanel.locator('tr[data-env-key="GREETING"]').getByText('hello v3').waitFor();
    expect(await page.content()).not.toContain('s3cret-one');

    // A calmer history: the engine status once, not on every card; Mark bad only on the replaced one; how long each was live.
    expect(await page.locator('.engine-status').count()).toBe(1);
    expect(await page.locator('.engine-status').textContent()).toContain('no sync engine is configured');
    expect(await textOf(page, 'article[data-deployment-id]')).not.toContain('no sync engine');
    const current = page.locator(`article[data-deployment-id="${second}"]`);
    const replaced = page.locator(`article[data-deployment-id="${first}"]`);
    expect(await current.getByRole('button', { name: /^Mark bad: deployment/ }).count()).toBe(0);
    expect(await replaced.getByRole('button', { name: /^Mark bad: deployment/ }).count()).toBe(1);
    expect(await current.locator('.live-for').textContent()).toMatch(/^live for /);
    expect(await replaced.locator('.live-for').textContent()).toMatch(/^was live for /);
    // Filters by status and door.
    await page.getByLabel('Status').selectOption('SUCCESS');
    await waitFor('one SUCCESS row', async () => ((await rows(page).count()) === 1 ? true : null));
    expect(await rows(page).first().getAttribute('data-deployment-id')).toBe(first);
    await page.getByLabel('Status').selectOption('all');
    await page.getByLabel('Door').selectOption('cli');
    await page.getByText('No loaded deployment matches these filters.').waitFor();
    await page.getByLabel('Door').selectOption('web');
    await waitFor('both rows again', async () => ((await rows(page).count()) === 2 ? true : null));
    await page.getByLabel('Door').selectOption('all');
    expect(await axeProblems(page)).toEqual([]);
    await shoot(page, 'history');

    // Rollback from the history, keyboard only: Enter opens the dialog, the diff shows plain values.
    const rollbackButton = replaced.getByRole('button', { name: /^Roll back to deployment/ });
    await rollbackButton.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.locator('.diff-lines').waitFor();
    const dialogText = (await dialog.textContent())!;
    expect(dialogText).toContain('GREETING: hello v3 → hello v1');
    expect(dialogText).not.toContain('s3cret');
    expect(await dialog.getByLabel(/Reason/).getAttribute('maxlength')).toBe('1000');
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    }
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(results, 'dialog-1280x800.png') });
    // On a phone the dialog's actions stay in view.
    await page.setViewportSize(PHONE);
    const confirm = dialog.getByRole('button', { name: 'Confirm rollback' });
    const box = (await confirm.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    expect(box.y).toBeGreaterThanOrEqual(0);
    const cancelBox = (await dialog.getByRole('button', { name: 'Cancel' }).boundingBox())!;
    expect(cancelBox.y + cancelBox.height).toBeLessThanOrEqual(PHONE.height);
    await page.screenshot({ path: join(results, 'dialog-390x844.png') });
    await page.setViewportSize(DESKTOP);
    // Escape closes it and focus returns to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await waitFor('focus back on the Rollback button', () =>
      page.evaluate((id) => document.activeElement?.closest('article')?.getAttribute('data-deployment-id') === id && document.activeElement?.classList.contains('button-rollback'), first),
    );
    expect(await rows(page).count()).toBe(2);

    // Again, and confirm with the keyboard.
    await page.keyboard.press('Enter');
    await dialog.locator('.diff-lines').waitFor();
    await dialog.getByLabel(/Reason/).fill('v1.1.0 greets wrongly');
    await confirm.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await waitFor('the rollback on top, running', async () =>
      (await rows(page).count()) === 3 && (await rows(page).first().locator('.status-badge[data-status="RUNNING"]').count()) === 1 ? true : null,
    );
    const rollback = (await rows(page).first().getAttribute('data-deployment-id'))!;
    expect(await rows(page).first().locator('.rollback-of').textContent()).toBe(`↩ Rollback of ${first.slice(0, 8)}`);
    await page.getByRole('region', { name: 'Deploy hold' }).waitFor();
    await shoot(page, 'history-after-rollback');

    // The deployment page of the rollback: everything about it, the commit a link, the change since the one before.
    await rows(page).first().getByRole('link', { name: `Deployment ${rollback.slice(0, 8)} details` }).click();
    await page.getByRole('heading', { name: `Deployment ${rollback.slice(0, 8)}` }).waitFor();
    await page.getByText('Audit trail').waitFor();
    await page.locator('.audit-row[data-action="DEPLOYMENT_ROLLBACK"]').waitFor();
    const facts = (await page.locator('.facts').first().textContent())!;
    expect(facts).toContain('registry.example.com/shop/web:1.0.0');
    expect(facts).toContain(email);
    expect(facts).toContain('Rollback (web)');
    expect(facts).toContain('v1.1.0 greets wrongly');
    expect(facts).toContain('shop-demo.web — not synced: no sync engine is configured');
    const commitHref = await page.locator('.manifests-link').getAttribute('href');
    expect(commitHref).toMatch(/^https:\/\/git\.example\.com\/org\/manifests\/commit\/[0-9a-f]{40}$/);
    const envText = (await page.locator('.env-table').textContent())!;
    expect(envText).toContain('hello v1');
    expect(envText).toContain('API_TOKEN');
    expect(envText).not.toContain('s3cret');
    expect(await page.locator('.deployment-diff').textContent()).toContain('GREETING: hello v3 → hello v1');
    expect(await page.locator('.rollback-links').textContent()).toContain(`This is a rollback to ${first.slice(0, 8)}`);
    await waitFor('the title', async () => ((await page.title()) === `Deployment ${rollback.slice(0, 8)} · web · Kubidu` ? true : null));
    expect(await axeProblems(page)).toEqual([]);
    await shoot(page, 'deployment');

    // The target's page says what rolled back to it; the replaced one's says what rolled back from it.
    await page.locator('.rollback-links').getByRole('link', { name: first.slice(0, 8) }).click();
    await page.getByRole('heading', { name: `Deployment ${first.slice(0, 8)}` }).waitFor();
    await page.locator('.rollback-links').getByText(`Rolled back to by ${rollback.slice(0, 8)}`).waitFor();
    await page.goto(`${stack.apiUrl}/#/deployments/${second}`);
    await page.locator('.rollback-links').getByText(`Rolled back from by ${rollback.slice(0, 8)}`).waitFor();

    // The audit page, from the project, filtered by service and by action.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Shop Demo' }).click();
    await page.getByRole('heading', { name: /^Shop Demo/ }).waitFor();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.locator('.audit-row[data-action="PROJECT_CREATED"]').waitFor();
    await page.getByLabel('Action').selectOption('DEPLOYMENT_ROLLBACK');
    await waitFor('only the rollback', async () => {
      const actions = await page.locator('.audit-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      return actions.length === 1 && actions[0] === 'DEPLOYMENT_ROLLBACK' ? actions : null;
    });
    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Service').selectOption({ label: 'web' });
    await waitFor('only rows of the service', async () => {
      const actions = await page.locator('.audit-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      return actions.length > 3 && !actions.includes('PROJECT_CREATED') ? actions : null;
    });
    expect(page.url()).toContain('serviceId=');
    expect(await axeProblems(page)).toEqual([]);
    await shoot(page, 'audit');

    // Back to the service: still live, nothing polled in vain.
    await page.goto(serviceUrl);
    await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();
    // The rollback holds deploys: the form offers to go through the hold on purpose, and the hold stays.
    await page.getByLabel('Image', { exact: true }).fill('registry.example.com/shop/web:1.2.0');
    await page.getByRole('checkbox', { name: /Deploy through the deploy hold/ }).check();
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await waitFor('the override on top, running', async () =>
      (await rows(page).count()) === 4 && (await rows(page).first().locator('.status-badge[data-status="RUNNING"]').count()) === 1
        ? true
        : `${await rows(page).count()} rows; ${await rows(page).first().textContent()}; ${await page.locator('.deploy-form').textContent()}`,
      { until: (v) => v === true },
    );
    expect(await rows(page).first().locator('.override-badge').textContent()).toBe('Overrode hold');
    await page.getByRole('region', { name: 'Deploy hold' }).waitFor();
    // Dark mode holds up too.
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(results, 'history-dark-1280x800.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the API\'s validation messages inline, and one calm error for another user\'s or a missing service', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light' });
    // Bob makes a service; alice may not see it.
    const bob = await openPage(context);
    await signUp(bob.page, stack, `bob-${Date.now().toString(36)}@example.com`);
    await bob.page.getByLabel('Name', { exact: true }).fill('Bob Shop');
    await bob.page.getByRole('button', { name: 'Create project' }).click();
    await bob.page.getByRole('heading', { name: /^Bob Shop/ }).waitFor();
    // The API's own message, inline, for a bad service name.
    await bob.page.getByLabel(/^Name/).fill('Not_A_Name');
    await bob.page.getByRole('button', { name: 'Create service' }).click();
    const serviceError = bob.page.locator('#create-service-error');
    await serviceError.waitFor();
    expect(await serviceError.getAttribute('role')).toBe('alert');
    expect(await serviceError.getAttribute('data-code')).toBe('VALIDATION_ERROR');
    await bob.page.getByLabel(/^Name/).fill('api');
    await bob.page.getByRole('button', { name: 'Create service' }).click();
    await bob.page.getByRole('heading', { name: 'api', exact: true }).waitFor();
    // And for a bad image; a malformed env line is caught before sending.
    await bob.page.getByLabel('Image', { exact: true }).fill('not an image!');
    await bob.page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const deployError = bob.page.locator('#deploy-error');
    await deployError.waitFor();
    expect(await deployError.getAttribute('data-code')).toBe('VALIDATION_ERROR');
    expect((await deployError.textContent())!.toLowerCase()).toContain('image');
    await bob.page.getByLabel('Image', { exact: true }).fill('registry.example.com/bob/api:1');
    await bob.page.getByRole('textbox', { name: /^Env/ }).fill('JUST_A_KEY');
    await bob.page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await bob.page.getByText('Env, line 1: write KEY=value (got "JUST_A_KEY").').waitFor();
    await bob.page.getByRole('textbox', { name: /^Env/ }).fill('MODE=blue\nOLD=1');
    await bob.page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await rows(bob.page).first().locator('.status-badge[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
    // The env panel: a secret set (write-only), a variable unset, a bad key refused with the API's message; each change is a deployment.
    const env = bob.page.getByRole('region', { name: 'Environment' });
    await env.locator('tr[data-env-key="OLD"]').waitFor();
    await env.getByLabel('Key').fill('bad key');
    await env.getByLabel('Value').fill('x');
    await env.getByRole('button', { name: 'Set variable' }).click();
    expect(await env.locator('#env-error').getAttribute('data-code')).toBe('VALIDATION_ERROR');
    await env.getByLabel('Key').fill('DB_PASSWORD');
    await env.getByLabel('Value').fill('hunter2-secret');
    await env.getByLabel('Secret').check();
    expect(await env.getByLabel('Value').getAttribute('type')).toBe('password');
    await env.getByRole('button', { name: 'Set variable' }).click();
    await env.locator('tr[data-env-key="DB_PASSWORD"]').getByText('secret · set').waitFor({ timeout: 30_000 });
    await env.getByRole('button', { name: 'Unset OLD' }).click();
    await env.locator('tr[data-env-key="OLD"]').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await env.locator('tr[data-env-key="MODE"]').textContent()).toContain('blue');
    expect(await rows(bob.page).count()).toBe(3);
    expect(await bob.page.content()).not.toContain('hunter2-secret');
    const bobServiceUrl = bob.page.url();
    // The browser logs each refused request; those three 400s are the only console errors.
    expect(bob.errors.map((e) => e.replace(/ @ .*/, ''))).toEqual(Array(3).fill('Failed to load resource: the server responded with a status of 400 (Bad Request)'));
    await bob.page.evaluate(() => localStorage.clear());
    await bob.page.close();

    const alice = await openPage(context);
    await signUp(alice.page, stack, `alice-${Date.now().toString(36)}@example.com`);
    for (const [url, title, status] of [
      [bobServiceUrl, 'Not your service', 403],
      [`${stack.apiUrl}/#/services/00000000-0000-4000-8000-000000000000`, 'Service not found', 404],
    ] as const) {
      alice.errors.length = 0;
      await alice.page.goto(url);
      await alice.page.getByRole('heading', { name: title }).waitFor();
      expect(await alice.page.getByRole('alert').count()).toBe(1);
      expect(await alice.page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
      expect(await alice.page.locator('.live').count()).toBe(0);
      expect(await alice.page.getByRole('navigation', { name: 'Breadcrumb' }).textContent()).toMatch(new RegExp(`Projects\\s*/\\s*${title}`));
      expect(await alice.page.title()).toBe(`${title} · Kubidu`);
      // Nothing polls for it: no further request after the one refusal.
      await alice.page.waitForTimeout(1500);
      expect(alice.errors.map((e) => e.replace(/ @ .*/, ''))).toEqual([
        `Failed to load resource: the server responded with a status of ${status} (${status === 403 ? 'Forbidden' : 'Not Found'})`,
      ]);
      expect(await axeProblems(alice.page)).toEqual([]);
    }
    // A missing project and a missing deployment: one error each, a real title and breadcrumb.
    for (const [path, title] of [
      ['#/projects/00000000-0000-4000-8000-000000000000', 'Project not found'],
      ['#/deployments/00000000-0000-4000-8000-000000000000', 'Deployment not found'],
    ] as const) {
      await alice.page.goto(`${stack.apiUrl}/${path}`);
      await alice.page.getByRole('heading', { name: title }).waitFor();
      expect(await alice.page.getByRole('alert').count()).toBe(1);
      expect(await alice.page.getByRole('navigation', { name: 'Breadcrumb' }).textContent()).toMatch(new RegExp(`^Projects\\s*/\\s*${title}$`));
      expect(await alice.page.title()).toBe(`${title} · Kubidu`);
    }
    await context.close();
  });
});
