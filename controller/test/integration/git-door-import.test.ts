/**
 * The git door against real parts: the real controller commits deploys and a
 * rollback to a manifests repo behind a real `git http-backend`; people then
 * clone it with the real git CLI, `git revert`, hand-edit, push junk and force
 * push; the importer turns each into rows in a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { seedDeployment, seedService } from '../support/seed.js';
import { queueRollbackRow, waitForStatus } from '../support/rows.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { createGitAdapter } from '../../src/adapters/git/index.js';
import { createGitImporter, type GitImporter } from '../../src/importer/importer.js';

const silent = { info() {}, warn() {}, error: (o: unknown, m?: string) => console.error(m, o), debug() {} };
const author = { GIT_AUTHOR_NAME: 'Grace Hopper', GIT_AUTHOR_EMAIL: 'grace@example.com', GIT_COMMITTER_NAME: 'Grace Hopper', GIT_COMMITTER_EMAIL: 'grace@example.com' };

let ds: DataSource;
let server: GitHttpServer;
let dataDir: string;
let cacheDir: string;
let controller: ControllerHandle;
let box: SecretBox;
let repoUrl: string;
let importer: GitImporter;
let svc: Awaited<ReturnType<typeof seedService>>;
const key = randomBytes(32).toString('base64');
const clones: string[] = [];

/** The real git CLI as Grace, asynchronously: the git server lives in this process, so a sync exec would deadlock. */
function sh(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...author, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`git ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

async function freshClone(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-door-'));
  clones.push(dir);
  await sh(dir, 'clone', '-q', repoUrl, '.');
  return dir;
}

const waitFor = (id: string, statuses: string[]) => waitForStatus(ds, id, statuses);

async function envOf(id: string) {
  const rows = await ds.query(`SELECT key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $1 ORDER BY key`, [id]);
  return rows.map((r: any) => ({ key: r.key, isSecret: r.is_secret, value: box.open({ valueEncrypted: r.value_encrypted, valueIv: r.value_iv }), stored: r.value_encrypted }));
}

async function gitRows() {
  return ds.query(`SELECT * FROM deployments WHERE service_id = $1 AND source = 'GIT' ORDER BY seq`, [svc.serviceId]);
}

async function audits(action: string) {
  return ds.query(`SELECT * FROM audit_logs WHERE action = $1 ORDER BY seq`, [action]);
}

const kustPath = (dir: string) => join(dir, 'apps/shop/web/kustomization.yaml');

let d1: string;
let d2: string;
let rb: string;

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  server = await startGitHttpServer();
  server.createBareRepo('manifests', { withLayout: true });
  repoUrl = server.url('manifests');
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-door-ctl-'));
  cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-door-cache-'));
  box = new SecretBox(Buffer.from(key, 'base64'));
  controller = await startController({
    ds,
    logger: silent,
    config: loadControllerConfig({ MANIFESTS_REPO_URL: repoUrl, KUBIDU_ENCRYPTION_KEY: key, KUBIDU_POLL_MS: '100', KUBIDU_KUBERNETES: 'off' }, dataDir),
    overrides: { gitImport: false }, // this test drives its own importers
  });
  importer = createGitImporter({
    ds,
    git: createGitAdapter({ url: repoUrl, branch: 'main', cacheDir }),
    secretBox: box,
    logger: silent,
    branch: 'main',
    onQueued: () => controller.wake(),
  });
  // First run: the bookmark starts at the current tip.
  expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });

  svc = await seedService(ds, { project: 'shop', service: 'web' });
  d1 = await seedDeployment(ds, svc.serviceId, { image: 'ghcr.io/acme/web:1.0.0', env: { GREETING: 'hello: "one" # x', MODE: 'a' }, secrets: { DB_PASSWORD: 'p-one' }, box });
  controller.wake();
  await waitFor(d1, ['RUNNING']);
  d2 = await seedDeployment(ds, svc.serviceId, { image: 'ghcr.io/acme/web:2.0.0', env: { GREETING: 'hello two', MODE: 'b' }, secrets: { DB_PASSWORD: 'p-two' }, box });
  controller.wake();
  await waitFor(d2, ['RUNNING']);
  // A rollback to d1, the way the API makes it: same image, d1's env rows copied as stored.
  rb = await queueRollbackRow(ds, d1, { reason: 'bad release' });
  controller.wake();
  await waitFor(rb, ['RUNNING']);
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await ds?.destroy();
  await server?.stop();
  for (const d of [dataDir, cacheDir, ...clones]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('git door: importing commits made outside Kubidu', () => {
  it('skips Kubidu’s own commits', async () => {
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });
    expect(await gitRows()).toHaveLength(0);
  });

  it('a git revert of the rollback commit becomes a GIT row linked to the deployment it restores, with its env, and reaches RUNNING', async () => {
    const [{ manifests_commit_sha: rbSha }] = await ds.query(`SELECT manifests_commit_sha FROM deployments WHERE id = $1`, [rb]);
    const wt = await freshClone();
    expect(await sh(wt, 'log', '-1', '--format=%H')).toBe(rbSha);
    // The rollback holds deploys of the service (as the API's rollback does); reverting it in git lifts that.
    await ds.query(`INSERT INTO deploy_holds (service_id, rollback_id, held_by, reason) VALUES ($1, $2, 'alice@example.com', 'bad release')`, [svc.serviceId, rb]);
    await sh(wt, 'revert', '--no-edit', rbSha);
    await sh(wt, 'push', '-q', 'origin', 'main');
    const revertSha = await sh(wt, 'rev-parse', 'HEAD');

    expect(await importer.runOnce()).toEqual({ imported: 1, warnings: 0 });
    const [row] = await gitRows();
    expect(row).toMatchObject({
      source: 'GIT',
      manifests_commit_sha: revertSha,
      image_url: 'ghcr.io/acme/web:2.0.0',
      rollback_from_id: d2, // the state it restores
      reverts_deployment_id: rb, // the commit it undid
      actor: 'Grace Hopper <grace@example.com>',
      warning: null,
    });
    expect(row.commit_message).toMatch(/^Revert "rollback\(shop\/web\): to /);
    expect(row.reason).toContain(`Reverted rollback ${rb.slice(0, 8)}; restores deployment ${d2.slice(0, 8)}`);

    const env = await envOf(row.id);
    const d2env = await envOf(d2);
    expect(env.map((e: any) => [e.key, e.isSecret, e.value])).toEqual(d2env.map((e: any) => [e.key, e.isSecret, e.value]));
    // Secret rows are copied as stored (never re-encrypted from a plaintext source)
    expect(env.find((e: any) => e.key === 'DB_PASSWORD').stored).toBe(d2env.find((e: any) => e.key === 'DB_PASSWORD').stored);

    expect(await ds.query(`SELECT 1 FROM deploy_holds WHERE service_id = $1`, [svc.serviceId])).toHaveLength(0);
    const [released] = await audits('DEPLOY_HOLD_RELEASED');
    expect(released).toMatchObject({ actor: 'Grace Hopper <grace@example.com>', deployment_id: rb });
    expect(released.data).toMatchObject({ rollbackId: rb, heldBy: 'alice@example.com', by: 'git revert', commit: revertSha, deploymentId: row.id });

    const [a] = (await audits('DEPLOYMENT_GIT_CHANGE')).filter((x: any) => x.deployment_id === row.id);
    expect(a.data).toMatchObject({ commit: revertSha, author: 'Grace Hopper <grace@example.com>', reverts: { commit: rbSha, deploymentId: rb, kind: 'rollback' }, restores: d2 });
    expect(JSON.stringify(a.data)).not.toContain('p-two');

    // The claim loop takes it to RUNNING without another commit.
    const done = await waitFor(row.id, ['RUNNING', 'FAILED']);
    expect(done.status).toBe('RUNNING');
    expect(done.manifests_commit_sha).toBe(revertSha);
    const [{ status: rbStatus }] = await ds.query(`SELECT status FROM deployments WHERE id = $1`, [rb]);
    expect(rbStatus).toBe('SUCCESS');
    const check = await freshClone();
    expect(await sh(check, 'rev-parse', 'HEAD')).toBe(revertSha);
  });

  it('the same commit seen twice (concurrent runs, then a rewound bookmark) makes one row', async () => {
    const wt = await freshClone();
    writeFileSync(kustPath(wt), readFileSync(kustPath(wt), 'utf8').replace(/newTag: "2\.0\.0"/, 'newTag: "2.0.1"'));
    await sh(wt, 'commit', '-qam', 'web: 2.0.1 by hand');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const sha = await sh(wt, 'rev-parse', 'HEAD');
    const second = createGitImporter({
      ds,
      git: createGitAdapter({ url: repoUrl, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'kubidu-door-cache2-')) }),
      secretBox: box,
      logger: silent,
      branch: 'main',
    });
    const results = await Promise.all([importer.runOnce(), second.runOnce(), importer.runOnce()]);
    expect(results.reduce((n, r) => n + r.imported, 0)).toBe(1);
    // Rewind the bookmark as if the bookmark write had been lost: the row is not duplicated.
    await ds.query(`UPDATE manifests_import_state SET last_sha = $1 WHERE branch = 'main'`, [await sh(wt, 'rev-parse', 'HEAD~1')]);
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });
    const rows = (await gitRows()).filter((r: any) => r.manifests_commit_sha === sha);
    expect(rows).toHaveLength(1);
    expect(rows[0].image_url).toBe('ghcr.io/acme/web:2.0.1');
    expect((await audits('DEPLOYMENT_GIT_CHANGE')).filter((a: any) => a.data.commit === sha)).toHaveLength(1);
    await waitFor(rows[0].id, ['RUNNING']);
  });

  it('a hand edit of the image tag becomes a GIT row with that image and the folder’s env', async () => {
    // A hold stays through a hand edit: only reverting the rollback that set it lifts it.
    await ds.query(`INSERT INTO deploy_holds (service_id, rollback_id, held_by) VALUES ($1, $2, 'alice@example.com')`, [svc.serviceId, rb]);
    const wt = await freshClone();
    writeFileSync(kustPath(wt), readFileSync(kustPath(wt), 'utf8').replace(/newTag: "2\.0\.1"/, 'newTag: "3.1.4"'));
    await sh(wt, 'commit', '-qam', 'web: try 3.1.4\n\nhotfix for INC-7');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const sha = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 1, warnings: 0 });
    const row = (await gitRows()).at(-1);
    expect(row).toMatchObject({ manifests_commit_sha: sha, image_url: 'ghcr.io/acme/web:3.1.4', rollback_from_id: null, reverts_deployment_id: null, commit_message: 'web: try 3.1.4', reason: 'hotfix for INC-7' });
    expect((await envOf(row.id)).map((e: any) => [e.key, e.isSecret, e.value])).toEqual([
      ['DB_PASSWORD', true, 'p-two'],
      ['GREETING', false, 'hello two'],
      ['MODE', false, 'b'],
    ]);
    expect((await waitFor(row.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    expect(await ds.query(`SELECT 1 FROM deploy_holds WHERE service_id = $1`, [svc.serviceId])).toHaveLength(1);
    await ds.query(`DELETE FROM deploy_holds WHERE service_id = $1`, [svc.serviceId]);
  });

  it('a junk commit becomes a visible warning, and both the next import and the next Kubidu rollback still work', async () => {
    const wt = await freshClone();
    const good = readFileSync(kustPath(wt), 'utf8');
    writeFileSync(kustPath(wt), 'images: [unclosed\n  - : :\n');
    await sh(wt, 'commit', '-qam', 'oops');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const junk = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 1 });
    const failed = (await gitRows()).at(-1);
    expect(failed).toMatchObject({ status: 'FAILED', manifests_commit_sha: junk });
    expect(failed.status_message).toMatch(new RegExp(`^Could not import commit ${junk.slice(0, 8)}: apps/shop/web/kustomization.yaml`));
    expect(failed.warning).toBe(failed.status_message);
    const [w] = (await audits('DEPLOYMENT_GIT_WARNING')).filter((a: any) => a.data.commit === junk);
    expect(w).toMatchObject({ service_id: svc.serviceId, deployment_id: failed.id });

    // The image removed by hand is a warning too.
    writeFileSync(kustPath(wt), good.replace(/images:\n(  .*\n|    .*\n)+/, ''));
    expect(readFileSync(kustPath(wt), 'utf8')).not.toContain('newTag');
    await sh(wt, 'commit', '-qam', 'drop the image');
    await sh(wt, 'push', '-q', 'origin', 'main');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 1 });
    expect((await gitRows()).at(-1).status_message).toMatch(/names no image/);

    // Fixed by hand: imported again.
    writeFileSync(kustPath(wt), good);
    await sh(wt, 'commit', '-qam', 'restore kustomization');
    await sh(wt, 'push', '-q', 'origin', 'main');
    expect(await importer.runOnce()).toEqual({ imported: 1, warnings: 0 });
    const fixed = (await gitRows()).at(-1);
    expect(fixed.image_url).toBe('ghcr.io/acme/web:3.1.4');
    await waitFor(fixed.id, ['RUNNING']);

    // A Kubidu rollback after all that is committed normally and skipped by the importer.
    const rb2 = await queueRollbackRow(ds, d1);
    controller.wake();
    const done = await waitFor(rb2, ['RUNNING', 'FAILED']);
    expect(done.status).toBe('RUNNING');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });
  });

  it('an unknown secret reference is imported with a warning; a deleted folder and an unknown service are warnings', async () => {
    const wt = await freshClone();
    const text = readFileSync(kustPath(wt), 'utf8');
    const m = /web-secrets-[0-9a-f]{12}/.exec(text);
    expect(m).not.toBeNull();
    writeFileSync(kustPath(wt), text.replace(m![0], 'web-secrets-000000000000'));
    await sh(wt, 'commit', '-qam', 'point at a secret made elsewhere');
    await sh(wt, 'push', '-q', 'origin', 'main');
    expect(await importer.runOnce()).toEqual({ imported: 1, warnings: 1 });
    const row = (await gitRows()).at(-1);
    expect(row.warning).toMatch(/secret reference web-secrets-000000000000 matches no earlier deployment/);
    expect((await envOf(row.id)).filter((e: any) => e.isSecret)).toEqual([]);
    const [a] = (await audits('DEPLOYMENT_GIT_CHANGE')).filter((x: any) => x.deployment_id === row.id);
    expect(a.data.warnings).toHaveLength(1);
    await waitFor(row.id, ['RUNNING', 'FAILED']);

    mkdirSync(join(wt, 'apps/ghost/svc'), { recursive: true });
    writeFileSync(join(wt, 'apps/ghost/svc/kustomization.yaml'), 'resources: []\n');
    await sh(wt, 'rm', '-rq', 'apps/shop/web');
    await sh(wt, 'add', '-A');
    await sh(wt, 'commit', '-qm', 'remove web, add ghost');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const sha = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 2 });
    expect((await gitRows()).at(-1)).toMatchObject({ status: 'FAILED', manifests_commit_sha: sha });
    expect((await gitRows()).at(-1).status_message).toMatch(/apps\/shop\/web was deleted/);
    const ws = (await audits('DEPLOYMENT_GIT_WARNING')).filter((x: any) => x.data.commit === sha);
    expect(ws.map((x: any) => x.data.dir).sort()).toEqual(['apps/ghost/svc', 'apps/shop/web']);
  });

  it('a force push is reported in the audit log and importing continues from the new tip', async () => {
    const wt = await freshClone();
    const before = await sh(wt, 'rev-parse', 'HEAD');
    await sh(wt, 'reset', '-q', '--hard', 'HEAD~2');
    writeFileSync(join(wt, 'README.md'), 'rewritten\n');
    await sh(wt, 'commit', '-qam', 'rewrite history');
    await sh(wt, 'push', '-q', '--force', 'origin', 'main');
    const after = await sh(wt, 'rev-parse', 'HEAD');
    const rowsBefore = (await gitRows()).length;
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 1 });
    const [a] = await audits('MANIFESTS_HISTORY_REWRITTEN');
    expect(a.data).toMatchObject({ branch: 'main', from: before, to: after });
    expect((await gitRows()).length).toBe(rowsBefore);
    const [{ last_sha }] = await ds.query(`SELECT last_sha FROM manifests_import_state WHERE branch = 'main'`);
    expect(last_sha).toBe(after);

    // Work continues on the new history.
    writeFileSync(kustPath(wt), readFileSync(kustPath(wt), 'utf8').replace(/newTag: "[^"]+"/, 'newTag: "4.0.0"'));
    await sh(wt, 'commit', '-qam', 'web: 4.0.0');
    await sh(wt, 'push', '-q', 'origin', 'main');
    expect(await importer.runOnce()).toEqual({ imported: 1, warnings: 0 });
    expect((await gitRows()).at(-1).image_url).toBe('ghcr.io/acme/web:4.0.0');
  });
});
