/**
 * Secret values go nowhere but the database, encrypted. The whole product runs
 * in this process against real parts (the API on a real Postgres, the
 * controller, a `git http-backend` remote): deploy with secrets, deploy again,
 * roll back, undo the rollback with a plain `git revert` (the git door), and
 * send refused requests carrying secrets. Then every git object (remote and the
 * controller's local object stores), every log line of the API and the
 * controller, every API response body and every database row are searched for
 * the values, raw and base64. Encryption at rest is checked in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../../api/src/app.js';
import { loadConfig } from '../../../api/src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { createTestDatabase } from '../../../test-support/database.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import type { Logger } from '@kubidu/core/logger';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { testControllerEnv } from '../support/controller-env.js';
import { waitFor } from '../../../test-support/wait.js';

// Distinctive values: if any shows up anywhere, it came from us.
const SECRETS = {
  DB_PASSWORD: `pw-${randomBytes(9).toString('hex')}`,
  API_KEY: `key-${randomBytes(9).toString('hex')}`,
  V2_PASSWORD: `v2-${randomBytes(9).toString('hex')}`,
  REFUSED: `refused-${randomBytes(9).toString('hex')}`,
  MULTILINE: `-----BEGIN KEY-----\nline-${randomBytes(6).toString('hex')}\n-----END KEY-----`,
};
const needles = Object.values(SECRETS).flatMap((v) => [v, Buffer.from(v).toString('base64'), JSON.stringify(v).slice(1, -1)]);

const key = randomBytes(32);
const box = new SecretBox(key);
let ds: DataSource;
let git: GitHttpServer;
let bare: string;
let app: FastifyInstance;
let controller: ControllerHandle;
let dataDir: string;
const logLines: string[] = [];
const bodies: string[] = [];
const dirs: string[] = [];

const logStream = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    cb();
  },
});

/** The controller's logger: JSON lines into the same capture (what main.ts's console logger prints). */
const controllerLog: Logger = Object.fromEntries(
  (['info', 'warn', 'error', 'debug'] as const).map((level) => [
    level,
    (obj: unknown, msg?: string) => logLines.push(JSON.stringify({ level, ...(typeof obj === 'object' && obj ? obj : { msg: obj }), msg })),
  ]),
) as unknown as Logger;

let auth: Record<string, string> = {};
async function call(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, headers: auth, payload: payload as never });
  bodies.push(res.body);
  return res;
}

function waitFinished(id: string, timeoutMs = 45_000) {
  return waitFor(`deployment ${id} finished`, async () => (await call('GET', `/api/deployments/${id}`)).json(), {
    until: (d) => d.status === 'RUNNING' || d.status === 'FAILED',
    timeoutMs,
  });
}

/** Every object in a git dir, loose or packed, reachable or not, as one string. */
function allObjects(gitDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 256 << 20, encoding: 'latin1' }, (err, out) =>
      err ? reject(err) : resolve(Buffer.from(out, 'latin1').toString('utf8')),
    );
  });
}

/** Object stores the controller keeps under its data dir (any folder holding `objects/`). */
function gitDirsUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4 || !existsSync(d)) return;
    if (existsSync(join(d, 'objects')) && existsSync(join(d, 'HEAD'))) found.push(d);
    for (const e of readdirSync(d)) if (statSync(join(d, e)).isDirectory() && e !== 'objects') walk(join(d, e), depth + 1);
  };
  walk(root, 0);
  return found;
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  git = await startGitHttpServer();
  bare = git.createBareRepo('manifests', { withLayout: true });
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-secrets-'));
  dirs.push(dataDir);
  app = buildApp({
    ds,
    secretBox: box,
    jwtSecret: randomBytes(32),
    config: loadConfig({ KUBIDU_DATA_DIR: dataDir, LOG_LEVEL: 'debug' }),
    // Debug level: the most the API ever logs.
    logger: { level: 'debug', stream: logStream },
    wakeController: () => controller?.wake(),
    triggerGitImport: () => controller?.triggerImport(),
  });
  await app.ready();
  controller = await startController({
    ds,
    logger: controllerLog,
    config: loadControllerConfig(testControllerEnv(git.url('manifests'), key.toString('base64')), dataDir),
  });
});

afterAll(async () => {
  await controller?.stop();
  await app?.close();
  await ds?.destroy();
  await git?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('secret values after deploy, rollback and the git door', () => {
  it('appear in no git object, log line, API response or plaintext column; at rest they decrypt with the key only', async () => {
    const reg = await call('POST', '/api/auth/register', { email: `sec-${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery' });
    auth = { authorization: `Bearer ${reg.json().token}` };
    const project = await call('POST', '/api/projects', { name: 'Vault', slug: 'vault' });
    const service = await call('POST', `/api/projects/${project.json().id}/services`, { name: 'web' });
    const serviceId = service.json().id as string;

    const d1 = await call('POST', `/api/services/${serviceId}/deployments`, {
      image: 'ghcr.io/acme/web:1.0.0',
      env: { GREETING: 'hello' },
      secrets: { DB_PASSWORD: SECRETS.DB_PASSWORD, API_KEY: SECRETS.API_KEY, TLS_KEY: SECRETS.MULTILINE },
    });
    expect(d1.statusCode, d1.body).toBe(202);
    expect((await waitFinished(d1.json().id)).status).toBe('RUNNING');
    const d2 = await call('POST', `/api/services/${serviceId}/deployments`, {
      image: 'ghcr.io/acme/web:2.0.0',
      env: { GREETING: 'hi' },
      secrets: { DB_PASSWORD: SECRETS.V2_PASSWORD },
    });
    expect(d2.statusCode, d2.body).toBe(202);
    expect((await waitFinished(d2.json().id)).status).toBe('RUNNING');
    const rb = await call('POST', `/api/deployments/${d1.json().id}/rollback`, { reason: 'v2 broke' });
    expect(rb.statusCode, rb.body).toBe(202);
    const rbRow = await waitFinished(rb.json().id);
    expect(rbRow.status).toBe('RUNNING');

    // The git door: someone reverts the rollback commit with plain git.
    const clone = await cloneFresh(git.url('manifests'));
    dirs.push(clone);
    expect((await gitCli(clone, 'rev-parse', 'HEAD')).trim()).toBe(rbRow.manifestsCommitSha);
    await gitCli(clone, 'revert', '--no-edit', 'HEAD');
    await gitCli(clone, 'push', '-q', 'origin', 'HEAD:main');
    controller.triggerImport();
    const gitRow = await waitFor(
      'the git door row finished',
      async () => (await call('GET', `/api/services/${serviceId}/deployments?limit=50`)).json().items.find((d: { source: string }) => d.source === 'GIT') as { id: string; status: string } | undefined,
      { until: (r) => r !== undefined && (r.status === 'RUNNING' || r.status === 'FAILED'), timeoutMs: 45_000, intervalMs: 150 },
    );
    expect(gitRow.status).toBe('RUNNING');

    // Refused requests carrying secrets must not echo them.
    const refused = [
      await call('POST', `/api/services/${serviceId}/deployments`, { image: 'not an image!', secrets: { X: SECRETS.REFUSED } }),
      await call('POST', `/api/services/${serviceId}/deployments`, { image: 'nginx:1', secrets: { 'bad key': SECRETS.REFUSED } }),
      await call('POST', `/api/services/${serviceId}/deployments`, { image: 'nginx:1', secrets: { X: SECRETS.REFUSED, Y: 'a\u0000b' } }),
      await call('POST', `/api/services/${serviceId}/deployments`, { image: 'nginx:1', secrets: { X: SECRETS.REFUSED }, unexpected: true }),
    ];
    for (const r of refused) expect(r.statusCode, r.body).toBe(400);

    // Every read the clients make.
    for (const id of [d1.json().id, d2.json().id, rb.json().id, gitRow.id]) {
      await call('GET', `/api/deployments/${id}`);
      await call('GET', `/api/deployments/${id}/diff`);
    }
    await call('GET', `/api/services/${serviceId}/deployments`);
    await call('GET', `/api/audit?projectId=${project.json().id}`);
    await call('GET', `/api/audit`);
    await call('GET', '/docs/json');

    // 1. Git: the remote and every object store the controller keeps, reachable or not.
    const stores = [bare, ...gitDirsUnder(dataDir)];
    expect(stores.length).toBeGreaterThanOrEqual(2);
    for (const store of stores) {
      const objects = await allObjects(store);
      expect(objects).toContain('ghcr.io/acme/web'); // the scan sees real content
      for (const n of needles) expect(objects.includes(n), `${store} holds a secret`).toBe(false);
    }
    const reachable = await gitCli(bare, 'rev-list', '--all', '--objects');
    expect(reachable.split('\n').length).toBeGreaterThan(10);
    // The manifests reference the Secret by name only.
    const k = await gitCli(clone, 'show', `${rbRow.manifestsCommitSha}:apps/vault/web/kustomization.yaml`);
    expect(k).toMatch(/web-secrets-[0-9a-f]{12}/);

    // 2. Logs: API (pino, debug level) and controller.
    expect(logLines.length).toBeGreaterThan(20);
    expect(logLines.some((l) => l.includes('manifests commit pushed'))).toBe(true);
    for (const n of needles) expect(logLines.filter((l) => l.includes(n)), 'log lines with a secret').toEqual([]);

    // 3. Every API response body.
    expect(bodies.length).toBeGreaterThan(20);
    for (const n of needles) expect(bodies.filter((b) => b.includes(n)), 'responses with a secret').toEqual([]);

    // 4. The database: no plaintext in any row of any table.
    const tables: Array<{ table_name: string }> = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name } of tables) {
      const dump = JSON.stringify(await ds.query(`SELECT * FROM "${table_name}"`));
      for (const n of needles) expect(dump.includes(n), `${table_name} holds a plaintext secret`).toBe(false);
    }

    // 5. At rest: ciphertext, decrypts with the key, not with another.
    const rows: Array<{ key: string; value_encrypted: string; value_iv: string; is_secret: boolean }> = await ds.query(
      `SELECT key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $1 ORDER BY key`,
      [d1.json().id],
    );
    expect(rows.map((r) => [r.key, r.is_secret])).toEqual([['API_KEY', true], ['DB_PASSWORD', true], ['GREETING', false], ['TLS_KEY', true]]);
    const want: Record<string, string> = { API_KEY: SECRETS.API_KEY, DB_PASSWORD: SECRETS.DB_PASSWORD, GREETING: 'hello', TLS_KEY: SECRETS.MULTILINE };
    const other = new SecretBox(randomBytes(32));
    for (const r of rows) {
      const sealed = { valueEncrypted: r.value_encrypted, valueIv: r.value_iv };
      expect(r.value_encrypted).not.toContain(want[r.key]);
      expect(box.open(sealed)).toBe(want[r.key]);
      expect(() => other.open(sealed)).toThrow();
    }
    // A rollback copies the ciphertext as stored (no re-encryption, no plaintext on the way).
    const copied: Array<{ key: string; value_encrypted: string }> = await ds.query(
      `SELECT key, value_encrypted FROM environment_variables WHERE deployment_id = $1 ORDER BY key`,
      [rb.json().id],
    );
    expect(copied).toEqual(rows.map((r) => ({ key: r.key, value_encrypted: r.value_encrypted })));
  }, 120_000);
});
