/**
 * Postgres restarted during traffic, on a throwaway server of its own (the
 * shared test server stays untouched): while it is down the API answers 503
 * DATABASE_UNAVAILABLE (never a 500, internals hidden) and /readyz says so;
 * when it is back the API recovers by itself, and the controller (its own
 * pool and LISTEN connection, as a separate replica has) reconnects and
 * resumes a deployment it was in the middle of, with one commit for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../../api/src/app.js';
import { loadConfig } from '../../../api/src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { openDatabase } from '@kubidu/core/db/data-source';
import { createEmptyDatabase, startPgServer, type PgServer } from '../../../test-support/postgres.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { gitCli } from '../../../test-support/git-cli.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { testControllerEnv } from '../support/controller-env.js';
import { waitFor } from '../../../test-support/wait.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const key = randomBytes(32);
let pg: PgServer;
let apiDs: DataSource;
let ctlDs: DataSource;
let app: FastifyInstance;
let git: GitHttpServer;
let bare: string;
let controller: ControllerHandle;
let dataDir: string;
let auth: Record<string, string>;

// The API's warnings and errors, shown when an answer is not what it should be.
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** waitFor, with a failed read (Postgres down) counted as not yet. */
function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  return waitFor(what, () => fn().catch((e: Error) => ({ readFailed: e.message }) as const), {
    until: (v) => v !== undefined && !(typeof v === 'object' && v !== null && 'readFailed' in v),
    timeoutMs,
  }) as Promise<T>;
}

const commitsFor = async (id: string) =>
  (await gitCli(bare, 'log', '--all', '--format=%H', '-F', `--grep=Kubidu-Deployment: ${id}`)).split('\n').filter(Boolean);

beforeAll(async () => {
  pg = await startPgServer();
  const url = await createEmptyDatabase(pg.adminUrl, 'kubidu_restart');
  apiDs = await openDatabase({ url, poolMax: 5 });
  ctlDs = await openDatabase({ url, poolMax: 3 });
  git = await startGitHttpServer();
  bare = git.createBareRepo('manifests', { withLayout: true });
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-pgrestart-'));
  app = buildApp({ ds: apiDs, secretBox: new SecretBox(key), jwtSecret: randomBytes(32), config: loadConfig({}), logger: { level: 'warn', stream: logStream } });
  await app.ready();
  controller = await startController({
    ds: ctlDs,
    logger: quiet,
    config: loadControllerConfig(testControllerEnv(git.url('manifests'), key.toString('base64'), {
      KUBIDU_POLL_MS: '200',
      KUBIDU_LEASE_MS: '2000',
      KUBIDU_RETRY_BASE_MS: '100',
      KUBIDU_RETRY_MAX_MS: '300',
    }), dataDir),
  });
});

afterAll(async () => {
  await controller?.stop();
  await app?.close();
  await apiDs?.destroy().catch(() => undefined);
  await ctlDs?.destroy().catch(() => undefined);
  await git?.stop();
  await pg?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('Postgres restarted during traffic', () => {
  it('API: 503 DATABASE_UNAVAILABLE while down, recovers alone; controller reconnects and resumes', async () => {
    const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'pg@example.com', password: 'correct horse battery' } });
    auth = { authorization: `Bearer ${reg.json().token}` };
    const p = await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'Restart', slug: 'restart' } });
    const s = await app.inject({ method: 'POST', url: `/api/projects/${p.json().id}/services`, headers: auth, payload: { name: 'web' } });
    const serviceId = s.json().id as string;
    const deployTo = (image: string) =>
      app.inject({ method: 'POST', url: `/api/services/${serviceId}/deployments`, headers: auth, payload: { image } });
    const statusOf = async (id: string) => {
      const r = await app.inject({ url: `/api/deployments/${id}`, headers: auth });
      return r.statusCode === 200 ? (r.json() as { status: string; statusMessage: string }) : undefined;
    };

    const first = (await deployTo('ghcr.io/acme/web:1')).json().id as string;
    await until('first RUNNING', async () => ((await statusOf(first))?.status === 'RUNNING' ? true : undefined));

    // A deployment in the middle of its work when the database goes: the remote is down, so it waits.
    git.setDown(true);
    const second = (await deployTo('ghcr.io/acme/web:2')).json().id as string;
    await until('second waiting on the remote', async () => (/^Waiting:/.test((await statusOf(second))?.statusMessage ?? '') ? true : undefined));

    // Traffic keeps coming while Postgres restarts.
    const answers: Array<{ status: number; code?: string; body: string }> = [];
    let traffic = true;
    const clients = Array.from({ length: 4 }, (_, i) =>
      (async () => {
        while (traffic) {
          const res =
            i === 0
              ? await deployTo(`ghcr.io/acme/web:t${answers.length}`)
              : await app.inject({ url: i === 1 ? '/api/projects' : `/api/services/${serviceId}/deployments`, headers: auth });
          answers.push({ status: res.statusCode, code: res.statusCode >= 400 ? res.json().code : undefined, body: res.body });
          await sleep(20);
        }
      })(),
    );
    await sleep(300);
    pg.down();
    const whileDown: typeof answers = [];
    const mark = answers.length;
    await until('503s while down', async () => (answers.slice(mark).filter((a) => a.status === 503).length >= 8 ? true : undefined), 20_000);
    whileDown.push(...answers.slice(mark));
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().code).toBe('DATABASE_UNAVAILABLE');
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await sleep(1000);
    pg.up();
    git.setDown(false);

    // The API recovers by itself: no restart, no reconnect call.
    await until('API answering again', async () => ((await app.inject({ url: '/api/projects', headers: auth })).statusCode === 200 ? true : undefined));
    await sleep(500);
    traffic = false;
    await Promise.all(clients);

    // Every answer was a success or a clean 503; never a 500, never internals.
    for (const a of answers) {
      if (a.status < 400) continue;
      expect(a, `${a.body}\n${logLines.filter((l) => !l.includes('database unavailable')).join('')}`).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(a.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminat|postgres/i);
    }
    expect(whileDown.some((a) => a.status === 503)).toBe(true);
    expect(answers.slice(-3).every((a) => a.status < 400)).toBe(true);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);

    // The controller resumes the interrupted deployment and takes new ones (LISTEN reconnected or poll).
    await until('second finished after the restart', async () => (['RUNNING', 'SUCCESS'].includes((await statusOf(second))?.status ?? '') ? true : undefined), 60_000);
    const after = (await deployTo('ghcr.io/acme/web:after-restart')).json().id as string;
    await until('new deployment RUNNING', async () => ((await statusOf(after))?.status === 'RUNNING' ? true : undefined), 60_000);

    // Every row in one final state; one commit for each that committed; none twice.
    const rows: Array<{ id: string; status: string; manifests_commit_sha: string | null; attempts: number }> = await apiDs.query(
      `SELECT id, status, manifests_commit_sha, attempts FROM deployments ORDER BY seq`,
    );
    expect(rows.filter((r) => r.status === 'QUEUED' || r.status === 'DEPLOYING')).toEqual([]);
    expect(rows.filter((r) => r.status === 'RUNNING').map((r) => r.id)).toEqual([after]);
    expect(rows.filter((r) => r.status === 'FAILED')).toEqual([]);
    for (const r of rows) {
      const commits = await commitsFor(r.id);
      if (r.manifests_commit_sha) expect(commits).toEqual([r.manifests_commit_sha]);
      else expect(commits, `${r.id} ${r.status}`).toEqual([]);
    }
    const secondRow = rows.find((r) => r.id === second)!;
    expect(secondRow.status).toBe('SUCCESS');
    // Its worker lost the database mid-retry (heartbeat refused), left the row, and a claim resumed it.
    expect(secondRow.attempts).toBeGreaterThanOrEqual(2);
    expect(secondRow.manifests_commit_sha).toMatch(/^[0-9a-f]{40}$/);
  }, 150_000);
});
