/**
 * Issue 17 end to end: the built web app in real Chromium (playwright-core)
 * against the live stack (API, in-process controller, real Postgres, real git
 * smart-HTTP manifests remote). The owner adds a viewer in the Members panel; an
 * oncall member rolls back a deployer's deployment from the history and is the
 * commit's author, its trailer and the actor the sync step (Argo CD's sync infos)
 * is handed; a viewer sees no Rollback or Mark bad button, a disabled Release with
 * the reason, and gets 403 from the API; once the owner removes them in the panel,
 * their next request is refused.
 *
 * Screenshots go to $KUBIDU_ARTIFACTS_DIR (default <repo>/artifacts/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import type { SyncRunner } from '../../../controller/src/reconcile/deploy-one.js';
import type { DeploymentView } from '@kubidu/core/contract/deployments';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';

const webRoot = resolve(import.meta.dirname, '../..');
const artifacts = resolve(process.env.KUBIDU_ARTIFACTS_DIR ?? join(webRoot, '..', 'artifacts'));
const CHROMIUM = toolOrSkip('chromium', process.env.CHROMIUM_PATH);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Who = 'owner' | 'deployer' | 'oncall' | 'viewer';
const short = (id: string) => id.slice(0, 8);

describe.skipIf(!CHROMIUM)('teams in the web app (issue 17)', () => {
  let stack: TestStack;
  let browser: Browser;
  let distDir: string;
  let projectId: string;
  let serviceId: string;
  const people = {} as Record<Who, { email: string; password: string; token: string }>;
  const ids = { v1: '', v2: '' };
  const syncActors = new Map<string, string>();

  const sync: SyncRunner = {
    appNameFor: (project, service) => `${project}-${service}`,
    async run(input) {
      syncActors.set(input.deploymentId, input.actor);
      return { outcome: 'RUNNING', message: `Synced ${input.commitSha.slice(0, 7)}, healthy`, syncedRevision: input.commitSha };
    },
  };

  async function running(id: string): Promise<DeploymentView> {
    return waitFor(`${id} RUNNING`, async () => {
      const g = await stack.request<DeploymentView>('GET', `/api/deployments/${id}`, people.owner.token);
      return g.body.status === 'RUNNING' ? g.body : null;
    });
  }

  async function signIn(who: Who): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('[browser error]', e.message));
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Email').fill(people[who].email);
    await page.getByLabel('Password').fill(people[who].password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    return page;
  }

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'kubidu-web-dist-'));
    await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
    stack = await startTestStack({ controller: true, webDistDir: distDir, sync });
    for (const who of ['owner', 'deployer', 'oncall', 'viewer'] as const) people[who] = await stack.register(`${who}-${Date.now().toString(36)}@example.com`);
    const project = await stack.request<{ id: string }>('POST', '/api/projects', people.owner.token, { name: 'night' + Date.now().toString(36) });
    projectId = project.body.id;
    serviceId = (await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, people.owner.token, { name: 'web', port: 8080 })).body.id;
    for (const who of ['deployer', 'oncall'] as const) {
      const r = await stack.request('POST', `/api/projects/${projectId}/members`, people.owner.token, { email: people[who].email, role: who });
      expect(r.status).toBe(201);
    }
    for (const [key, image] of [['v1', 'registry.example.com/night/web:1.0'], ['v2', 'registry.example.com/night/web:2.0']] as const) {
      const r = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, people.deployer.token, { image });
      expect(r.status).toBe(202);
      ids[key] = (await running(r.body.id)).id;
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('the owner adds a viewer in the Members panel', async () => {
    const page = await signIn('owner');
    await page.goto(`${stack.apiUrl}/#/projects/${projectId}`);
    const panel = page.getByRole('region', { name: 'Members' });
    await panel.waitFor();
    expect(await panel.locator('.my-role').textContent()).toBe('owner');
    await panel.getByLabel('Email').fill(people.viewer.email);
    await panel.getByLabel('Role of the new member').selectOption('viewer');
    await panel.getByRole('button', { name: 'Add member' }).click();
    await panel.locator(`tr[data-member-email="${people.viewer.email}"]`).waitFor();
    const members = await stack.request<{ items: { email: string; role: string }[] }>('GET', `/api/projects/${projectId}/members`, people.owner.token);
    expect(members.body.items).toContainEqual(expect.objectContaining({ email: people.viewer.email, role: 'viewer' }));
    await page.screenshot({ path: join(artifacts, 'web-members-owner.png'), fullPage: true });
    await page.context().close();
  });

  it('an oncall member rolls back a deployer deployment in the history; the commit author, trailer and sync actor are theirs', async () => {
    const page = await signIn('oncall');
    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    const v1Row = page.locator(`article[data-deployment-id="${ids.v1}"]`);
    await v1Row.waitFor();
    await v1Row.getByRole('button', { name: `Roll back to deployment ${short(ids.v1)}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel(/Reason/).fill('2.0 pages at 3am');
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await dialog.waitFor({ state: 'detached' });

    const rb = await waitFor('the rollback RUNNING', async () => {
      const items = (await stack.request<{ items: DeploymentView[] }>('GET', `/api/services/${serviceId}/deployments`, people.owner.token)).body.items;
      return items[0].source === 'ROLLBACK' && items[0].status === 'RUNNING' ? items[0] : null;
    });
    expect(rb).toMatchObject({ rollbackFromId: ids.v1, actor: people.oncall.email, via: 'web' });
    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      const author = (await gitCli(clone, 'log', '-1', '--format=%an <%ae>', rb.manifestsCommitSha!)).trim();
      expect(author).toContain(people.oncall.email);
      expect(author).not.toContain(people.deployer.email);
      expect(await gitCli(clone, 'log', '-1', '--format=%B', rb.manifestsCommitSha!)).toContain(`Kubidu-Actor: ${people.oncall.email}`);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
    expect(syncActors.get(rb.id)).toBe(people.oncall.email);
    // oncall may not deploy: the API says what the role lacks.
    const dep = await stack.request<{ code: string }>('POST', `/api/services/${serviceId}/deployments`, people.oncall.token, { image: 'registry.example.com/night/web:3.0', override: true });
    expect(dep.status).toBe(403);
    expect(dep.body.code).toBe('ROLE_CANNOT_DEPLOY');
    await page.context().close();
  });

  it('a viewer sees no Rollback or Mark bad button and a disabled Release that says why; the API answers 403; removal takes effect on the next request', async () => {
    const page = await signIn('viewer');
    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    const v2Row = page.locator(`article[data-deployment-id="${ids.v2}"]`);
    await v2Row.waitFor();
    // v2 is a rollback target now (SUCCESS): the contract says canRollback, the role says no button.
    const v2 = await stack.request<DeploymentView>('GET', `/api/deployments/${ids.v2}`, people.viewer.token);
    expect(v2.body.canRollback).toBe(true);
    expect(await page.getByRole('button', { name: /Roll back to deployment/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Mark deployment .* bad/ }).count()).toBe(0);
    expect(await page.locator('.role-note').textContent()).toContain('The viewer role cannot roll back, release a deploy hold or mark deployments bad');
    const banner = page.getByRole('region', { name: 'Deploy hold' });
    await banner.waitFor();
    const release = banner.getByRole('button', { name: 'Release hold' });
    expect(await release.isDisabled()).toBe(true);
    expect(await banner.locator('.role-lacks').textContent()).toContain('The viewer role cannot roll back');
    await page.screenshot({ path: join(artifacts, 'web-history-viewer.png'), fullPage: true });

    const refused = await stack.request<{ code: string }>('POST', `/api/deployments/${ids.v2}/rollback`, people.viewer.token, {});
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ROLE_CANNOT_ROLLBACK');

    await page.goto(`${stack.apiUrl}/#/projects/${projectId}`);
    const panel = page.getByRole('region', { name: 'Members' });
    await panel.locator(`tr[data-member-email="${people.owner.email}"]`).waitFor();
    expect(await panel.getByRole('button', { name: 'Add member' }).count()).toBe(0);
    expect(await panel.locator('.role-lacks').textContent()).toContain('The viewer role cannot manage members');

    // The owner removes the viewer in the panel; the viewer's next request is refused.
    const owner = await signIn('owner');
    await owner.goto(`${stack.apiUrl}/#/projects/${projectId}`);
    const ownerPanel = owner.getByRole('region', { name: 'Members' });
    await ownerPanel.getByRole('button', { name: `Remove ${people.viewer.email}` }).click();
    await ownerPanel.locator(`tr[data-member-email="${people.viewer.email}"]`).waitFor({ state: 'detached' });
    await owner.context().close();

    await page.goto(`${stack.apiUrl}/#/services/${serviceId}`);
    await page.reload();
    await page.getByRole('alert').filter({ hasText: /not a member/ }).first().waitFor();
    const after = await stack.request<{ code: string }>('GET', `/api/services/${serviceId}/deployments`, people.viewer.token);
    expect(after.status).toBe(403);
    expect(after.body.code).toBe('FORBIDDEN');
    await page.context().close();
  });

  it('the deployer leaves the project from the Members panel (after confirming) and lands on a projects list without it', async () => {
    const page = await signIn('deployer');
    await page.goto(`${stack.apiUrl}/#/projects/${projectId}`);
    const panel = page.getByRole('region', { name: 'Members' });
    await panel.getByRole('button', { name: 'Leave project' }).click();
    await panel.getByRole('group', { name: 'Leave the project' }).getByRole('button', { name: 'Leave', exact: true }).click();
    await page.waitForURL((u) => u.hash === '#/' || u.hash === '');
    const gone = await stack.request<{ code: string }>('GET', `/api/projects/${projectId}`, people.deployer.token);
    expect(gone.status).toBe(403);
    const members = await stack.request<{ items: Array<{ email: string }> }>('GET', `/api/projects/${projectId}/members`, people.owner.token);
    expect(members.body.items.map((m) => m.email)).not.toContain(people.deployer.email);
    await page.context().close();
  });
});
