/**
 * The git door against hand commits that try to hide (issue 16, items 5 and 12),
 * with real parts: the real controller deploys to a manifests repo behind a real
 * `git http-backend`, people push with the real git CLI, rows land in a real Postgres.
 *
 * - A `Kubidu-Deployment` trailer is trusted only when it names a deployment of that
 *   service whose recorded commit is this one (or one being deployed right now, with
 *   no commit recorded yet). A forged one — a random id, another service's deployment,
 *   a real deployment of the same service recorded at another commit — is imported as
 *   a change made outside Kubidu: a GIT row and an audit row.
 * - A YAML alias bomb (billion laughs) in a hand edit is one FAILED GIT row at once,
 *   and the next good hand commit imports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { parseDocument } from 'yaml';
import { createTestDatabase } from '../../../test-support/database.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { seedDeployment, seedService } from '../support/seed.js';
import { waitForStatus } from '../support/rows.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { createGitAdapter } from '../../src/adapters/git/index.js';
import { createGitImporter, type GitImporter } from '../../src/importer/importer.js';

const silent = { info() {}, warn() {}, error: (o: unknown, m?: string) => console.error(m, o), debug() {} };
const author = { GIT_AUTHOR_NAME: 'Mallory', GIT_AUTHOR_EMAIL: 'mallory@example.com', GIT_COMMITTER_NAME: 'Mallory', GIT_COMMITTER_EMAIL: 'mallory@example.com' };

let ds: DataSource;
let server: GitHttpServer;
let controller: ControllerHandle;
let importer: GitImporter;
let repoUrl: string;
let box: SecretBox;
const dirs: string[] = [];
const key = randomBytes(32).toString('base64');
let web: Awaited<ReturnType<typeof seedService>>;
let api: Awaited<ReturnType<typeof seedService>>;
let webDep: string;
let apiDep: string;

/** The real git CLI, asynchronously: the git server lives in this process, so a sync exec would deadlock. */
function sh(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...author, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`git ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function freshClone(): Promise<string> {
  const dir = tmp('kubidu-untrusted-');
  await sh(dir, 'clone', '-q', repoUrl, '.');
  return dir;
}

const kustPath = (wt: string, service = 'web') => join(wt, `apps/shop/${service}/kustomization.yaml`);

/** Commits a new tag for `service` by hand with `message` and pushes it; answers the sha. */
async function pushTag(service: string, tag: string, message: string): Promise<string> {
  const wt = await freshClone();
  const text = readFileSync(kustPath(wt, service), 'utf8');
  expect(text).toMatch(/newTag: "[^"]+"/);
  writeFileSync(kustPath(wt, service), text.replace(/newTag: "[^"]+"/, `newTag: "${tag}"`));
  await sh(wt, 'commit', '-qam', message);
  await sh(wt, 'push', '-q', 'origin', 'main');
  return sh(wt, 'rev-parse', 'HEAD');
}

async function rowsAt(sha: string) {
  return ds.query(`SELECT * FROM deployments WHERE manifests_commit_sha = $1 AND source = 'GIT' ORDER BY seq`, [sha]);
}

async function auditsAt(sha: string, action: string) {
  return ds.query(`SELECT * FROM audit_logs WHERE action = $1 AND data->>'commit' = $2 ORDER BY seq`, [action, sha]);
}

/** A forged trailer's commit: a GIT row with the hand-set image, an audit row, and a warning naming the trailer. */
async function expectImportedAsOutsideChange(sha: string, serviceId: string, image: string) {
  expect(await importer.runOnce()).toMatchObject({ imported: 1 });
  const rows = await rowsAt(sha);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ service_id: serviceId, source: 'GIT', image_url: image, actor: 'Mallory <mallory@example.com>' });
  expect(rows[0].warning).toMatch(/Kubidu-Deployment trailer/);
  const audits = await auditsAt(sha, 'DEPLOYMENT_GIT_CHANGE');
  expect(audits).toHaveLength(1);
  expect(audits[0]).toMatchObject({ service_id: serviceId, deployment_id: rows[0].id });
  expect((await waitForStatus(ds, rows[0].id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  server = await startGitHttpServer();
  server.createBareRepo('manifests', { withLayout: true });
  repoUrl = server.url('manifests');
  box = new SecretBox(Buffer.from(key, 'base64'));
  controller = await startController({
    ds,
    logger: silent,
    config: loadControllerConfig({ MANIFESTS_REPO_URL: repoUrl, KUBIDU_ENCRYPTION_KEY: key, KUBIDU_POLL_MS: '100', KUBIDU_KUBERNETES: 'off' }, tmp('kubidu-untrusted-ctl-')),
    overrides: { gitImport: false }, // this test drives its own importer
  });
  importer = createGitImporter({
    ds,
    git: createGitAdapter({ url: repoUrl, branch: 'main', cacheDir: tmp('kubidu-untrusted-cache-') }),
    secretBox: box,
    logger: silent,
    branch: 'main',
    onQueued: () => controller.wake(),
  });
  expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });

  web = await seedService(ds, { project: 'shop', service: 'web' });
  const [{ id: projectId }] = await ds.query(`SELECT id FROM projects WHERE slug = 'shop'`);
  const [{ id: apiId }] = await ds.query(`INSERT INTO services(project_id, name, port) VALUES ($1, 'api', 8080) RETURNING id`, [projectId]);
  api = { ...web, serviceId: apiId, serviceName: 'api' };
  webDep = await seedDeployment(ds, web.serviceId, { image: 'ghcr.io/acme/web:1.0.0' });
  apiDep = await seedDeployment(ds, api.serviceId, { image: 'ghcr.io/acme/api:1.0.0' });
  controller.wake();
  await waitForStatus(ds, webDep, ['RUNNING']);
  await waitForStatus(ds, apiDep, ['RUNNING']);
  // Kubidu's own commits (their trailers name these deployments at these commits) are not news.
  expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await ds?.destroy();
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('git door: a Kubidu-Deployment trailer is trusted only when the database agrees', () => {
  it('a random deployment id in the trailer does not hide a hand edit', async () => {
    const sha = await pushTag('web', '6.6.6', `web: 6.6.6\n\nKubidu-Deployment: ${randomUUID()}\n`);
    await expectImportedAsOutsideChange(sha, web.serviceId, 'ghcr.io/acme/web:6.6.6');
  });

  it('another service’s real deployment id does not hide a hand edit', async () => {
    const sha = await pushTag('web', '6.6.7', `web: 6.6.7\n\nKubidu-Deployment: ${apiDep}\n`);
    await expectImportedAsOutsideChange(sha, web.serviceId, 'ghcr.io/acme/web:6.6.7');
  });

  it('a real deployment id of the same service, recorded at another commit, does not hide a hand edit', async () => {
    const sha = await pushTag('web', '6.6.8', `deploy(shop/web): ghcr.io/acme/web:6.6.8\n\nKubidu-Deployment: ${webDep}\nKubidu-Actor: dev@example.com\n`);
    await expectImportedAsOutsideChange(sha, web.serviceId, 'ghcr.io/acme/web:6.6.8');
  });

  it('a deployment being deployed right now (no commit recorded yet) vouches for its own folder only', async () => {
    // A deploy of api claimed by another worker, pushed but not yet recorded: its commit is Kubidu's.
    // Inserted DEPLOYING (never QUEUED), so this controller never claims it.
    const inFlight = await seedDeployment(ds, api.serviceId, { image: 'ghcr.io/acme/api:2.0.0', status: 'DEPLOYING' });
    await ds.query(
      `UPDATE deployments SET status = 'DEPLOYING', lease_owner = 'elsewhere', lease_expires_at = now() + interval '1 hour' WHERE id = $1`,
      [inFlight],
    );
    try {
      const own = await pushTag('api', '2.0.0', `deploy(shop/api): ghcr.io/acme/api:2.0.0\n\nKubidu-Deployment: ${inFlight}\n`);
      expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });
      expect(await rowsAt(own)).toHaveLength(0);
      // The same id on a commit that changes web is a forgery for web's folder.
      const other = await pushTag('web', '6.6.9', `web: 6.6.9\n\nKubidu-Deployment: ${inFlight}\n`);
      await expectImportedAsOutsideChange(other, web.serviceId, 'ghcr.io/acme/web:6.6.9');
    } finally {
      await ds.query(`UPDATE deployments SET status = 'CANCELLED', lease_owner = NULL, lease_expires_at = NULL WHERE id = $1`, [inFlight]);
    }
  });

  it('a real Kubidu deploy after all that is still recognised as Kubidu’s own', async () => {
    const d = await seedDeployment(ds, web.serviceId, { image: 'ghcr.io/acme/web:7.0.0' });
    controller.wake();
    const done = await waitForStatus(ds, d, ['RUNNING', 'FAILED']);
    expect(done.status).toBe('RUNNING');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 0 });
    expect(await rowsAt(done.manifests_commit_sha)).toHaveLength(0);
  });
});

/** A billion-laughs document: nine levels of nine aliases each (9^9 strings once expanded). */
function aliasBomb(indent = ''): string {
  const names = 'abcdefghi';
  const lines = [`${indent}lol0: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i < names.length; i++) lines.push(`${indent}lol${i}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

describe('git door: a YAML alias bomb in a hand edit', () => {
  it('is one FAILED GIT row at once (in the kustomization, then in a patch), and the next good hand commit imports', async () => {
    const wt = await freshClone();
    const good = readFileSync(kustPath(wt), 'utf8');
    writeFileSync(kustPath(wt), aliasBomb() + good);
    await sh(wt, 'commit', '-qam', 'lol');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const bomb = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 1 });
    const [failed] = await rowsAt(bomb);
    expect(failed).toMatchObject({ status: 'FAILED', service_id: web.serviceId });
    expect(failed.status_message).toMatch(new RegExp(`^Could not import commit ${bomb.slice(0, 8)}: apps/shop/web/kustomization.yaml .*alias`));
    expect(await auditsAt(bomb, 'DEPLOYMENT_GIT_WARNING')).toHaveLength(1);

    expect(good).toMatch(/^patches:\n  - /m);
    writeFileSync(kustPath(wt), good.replace(/^patches:\n/m, `patches:\n  - target: {kind: Deployment}\n    patch: |\n${aliasBomb('      ')}`));
    await sh(wt, 'commit', '-qam', 'lol in a patch');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const inPatch = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 1 });
    const [failed2] = await rowsAt(inPatch);
    expect(failed2).toMatchObject({ status: 'FAILED', service_id: web.serviceId });
    expect(failed2.status_message, failed2.status_message).toMatch(/a patch .*alias/);

    writeFileSync(kustPath(wt), good.replace(/newTag: "[^"]+"/, 'newTag: "8.0.0"'));
    await sh(wt, 'commit', '-qam', 'web: 8.0.0, no more lols');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const fixed = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 1, warnings: 0 });
    const [row] = await rowsAt(fixed);
    expect(row.image_url).toBe('ghcr.io/acme/web:8.0.0');
    expect((await waitForStatus(ds, row.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
  });
});

describe('git door: a hand edit meets the env size rule every other door meets', () => {
  it('a ConfigMap literal too large to ever sync is one FAILED GIT row at once, naming the limit', async () => {
    const wt = await freshClone();
    const doc = parseDocument(readFileSync(kustPath(wt), 'utf8'));
    const gens = doc.get('configMapGenerator') as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] };
    const gen = gens.items.find((g) => g.get('name') === 'web-env');
    expect(gen, 'the service folder has its env ConfigMap generator').toBeTruthy();
    // 9 values of 30 KiB: each under the per-value cap, 270 KiB together over the plain env cap.
    gen!.set('literals', doc.createNode(Array.from({ length: 9 }, (_, i) => `BIG_${i}=${'x'.repeat(30 * 1024)}`)));
    writeFileSync(kustPath(wt), doc.toString());
    await sh(wt, 'commit', '-qam', 'web: a very large env');
    await sh(wt, 'push', '-q', 'origin', 'main');
    const big = await sh(wt, 'rev-parse', 'HEAD');
    expect(await importer.runOnce()).toEqual({ imported: 0, warnings: 1 });
    const [failed] = await rowsAt(big);
    expect(failed).toMatchObject({ status: 'FAILED', service_id: web.serviceId });
    expect(failed.status_message).toMatch(/plain env would be \d+ bytes; at most 262144 bytes/);
    expect(await auditsAt(big, 'DEPLOYMENT_GIT_WARNING')).toHaveLength(1);
  });
});
