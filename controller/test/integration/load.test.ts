/**
 * Load: 200 concurrent clients on loopback against the history list, the
 * deployment detail and rollback, with the real controller committing and
 * pushing what they queue. Zero errors (no 5xx, no network error, no status
 * the contract does not allow), zero lost or duplicated deployments (every
 * accepted rollback is a row that ends in one final state with exactly one
 * commit, or none when superseded), and the p50/p95/p99 are printed.
 *
 * The suite runs it for KUBIDU_LOAD_SECONDS (default 4) so it stays light on a
 * shared 2-core machine; `npm run soak` runs the full 30 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../../api/src/app.js';
import { loadConfig } from '../../../api/src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { createTestDatabase } from '../../../test-support/database.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { gitCli } from '../../../test-support/git-cli.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { testControllerEnv, errorsOnlyLogger } from '../support/controller-env.js';
import { waitFor } from '../../../test-support/wait.js';

const SECONDS = Number(process.env.KUBIDU_LOAD_SECONDS ?? 4);
const CLIENTS = Number(process.env.KUBIDU_LOAD_CLIENTS ?? 200);
const SERVICES = 8;
const key = randomBytes(32);

let ds: DataSource;
let app: FastifyInstance;
let base: string;
let git: GitHttpServer;
let bare: string;
let controller: ControllerHandle;
let dataDir: string;
let auth: Record<string, string>;
const services: Array<{ id: string; a: string; b: string }> = [];

/** The load generator (plain JS, run with `eval` in a worker thread). */
const CLIENT_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const { base, auth, services, clients, seconds } = workerData;
const lat = { list: [], get: [], rollback: [] };
const errors = [];
const accepted = new Map();
const deadline = Date.now() + seconds * 1000;
async function client(c) {
  let n = 0;
  while (Date.now() < deadline) {
    const svc = services[(c + n++) % services.length];
    const roll = Math.random();
    const op = roll < 0.45 ? 'list' : roll < 0.9 ? 'get' : 'rollback';
    const t0 = performance.now();
    try {
      if (op === 'list') {
        const res = await fetch(base + '/api/services/' + svc.id + '/deployments?limit=20', { headers: auth });
        const body = await res.json();
        if (res.status !== 200 || !Array.isArray(body.items)) errors.push('list ' + res.status + ' ' + JSON.stringify(body).slice(0, 200));
      } else if (op === 'get') {
        const res = await fetch(base + '/api/deployments/' + (Math.random() < 0.5 ? svc.a : svc.b), { headers: auth });
        const body = await res.json();
        if (res.status !== 200 || !body.id) errors.push('get ' + res.status + ' ' + JSON.stringify(body).slice(0, 200));
      } else {
        const target = Math.random() < 0.5 ? svc.a : svc.b;
        const res = await fetch(base + '/api/deployments/' + target + '/rollback', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ reason: 'load ' + c }),
        });
        const body = await res.json();
        if (res.status === 202) accepted.set(body.id, (accepted.get(body.id) ?? 0) + 1);
        else if (!(res.status === 409 && body.code === 'ROLLBACK_TARGET_CURRENT')) errors.push('rollback ' + res.status + ' ' + JSON.stringify(body).slice(0, 200));
      }
    } catch (err) {
      errors.push(op + ' network: ' + err.message);
    }
    lat[op].push(performance.now() - t0);
  }
}
Promise.all(Array.from({ length: clients }, (_, c) => client(c))).then(() => parentPort.postMessage({ lat, errors, accepted: [...accepted] }));
`;

function waitFinished(id: string, timeoutMs = 60_000) {
  return waitFor(`deployment ${id} finished`, async () => (await ds.query(`SELECT status, status_message FROM deployments WHERE id = $1`, [id]))[0], {
    until: (r) => r.status !== 'QUEUED' && r.status !== 'DEPLOYING',
    timeoutMs,
    intervalMs: 50,
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  git = await startGitHttpServer();
  bare = git.createBareRepo('manifests', { withLayout: true });
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-load-'));
  app = buildApp({
    ds,
    secretBox: new SecretBox(key),
    jwtSecret: randomBytes(32),
    config: loadConfig({}),
    logger: false,
    wakeController: () => controller?.wake(),
    // One user deploying as fast as it can is the point of this test, not a budget to enforce.
    rateLimits: { deploys: { max: 1_000_000, timeWindowMs: 60_000 } },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  controller = await startController({
    ds,
    logger: errorsOnlyLogger,
    config: loadControllerConfig(testControllerEnv(git.url('manifests'), key.toString('base64'), {
      KUBIDU_POLL_MS: '200',
    }), dataDir),
  });
  const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'load@example.com', password: 'correct horse battery' } });
  auth = { authorization: `Bearer ${reg.json().token}` };
  const projectId = (await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'Load', slug: 'load' } })).json().id;
  // Two deployments per service (A then B, so A is a SUCCESS and B the current one), queued side by side.
  const ids: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    ids.push((await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: auth, payload: { name: `svc${i}` } })).json().id);
  }
  const wave = async (tag: string) => {
    const made: string[] = [];
    for (const [i, s] of ids.entries()) {
      made.push((await app.inject({ method: 'POST', url: `/api/services/${s}/deployments`, headers: auth, payload: { image: `ghcr.io/acme/svc${i}:${tag}`, env: { N: String(i) } } })).json().id);
    }
    for (const id of made) expect((await waitFinished(id)).status).toBe('RUNNING');
    return made;
  };
  const as = await wave('1');
  const bs = await wave('2');
  for (const [i, id] of ids.entries()) services.push({ id, a: as[i], b: bs[i] });
});

afterAll(async () => {
  await controller?.stop();
  await app?.close();
  await ds?.destroy();
  await git?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe(`${CLIENTS} concurrent clients for ${SECONDS} s`, () => {
  it('list, get and rollback: zero errors, zero lost or duplicated deployments; prints p99', async () => {
    const [{ n: rowsBefore }] = await ds.query(`SELECT count(*)::int AS n FROM deployments`);
    // The clients run in a worker thread: their own event loop, so the numbers measure the
    // server (API + controller on this thread), not the load generator queueing behind it.
    const cpu0 = process.cpuUsage();
    const result = await new Promise<{ lat: Record<'list' | 'get' | 'rollback', number[]>; errors: string[]; accepted: Array<[string, number]> }>(
      (resolve, reject) => {
        const w = new Worker(CLIENT_CODE, { eval: true, workerData: { base, auth, services, clients: CLIENTS, seconds: SECONDS } });
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited with ${code}`)));
      },
    );
    const { lat, errors } = result;
    const accepted = new Map(result.accepted);
    const cpu = process.cpuUsage(cpu0);
    const all = [...lat.list, ...lat.get, ...lat.rollback];
    const line = (name: string, xs: number[]) =>
      `${name.padEnd(8)} n=${String(xs.length).padStart(6)}  p50=${pct(xs, 50).toFixed(1)} ms  p95=${pct(xs, 95).toFixed(1)} ms  p99=${pct(xs, 99).toFixed(1)} ms`;
    console.log(
      [`load: ${CLIENTS} clients, ${SECONDS} s, ${(all.length / SECONDS).toFixed(0)} req/s, ${errors.length} errors, the server thread's process used ${((cpu.user + cpu.system) / 1e4 / SECONDS).toFixed(0)}% of a core (clients included)`, ...(['list', 'get', 'rollback'] as const).map((k) => line(k, lat[k])), line('all', all)].join('\n'),
    );
    expect(errors.slice(0, 10)).toEqual([]);
    expect(lat.rollback.length).toBeGreaterThan(0);
    expect(accepted.size).toBeGreaterThan(0);

    // Let the controller drain what was queued, then account for every row.
    await waitFor('the controller to drain the queue', async () => (await ds.query(`SELECT count(*)::int AS n FROM deployments WHERE status IN ('QUEUED', 'DEPLOYING')`))[0].n as number, {
      until: (n) => n === 0,
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    const rows: Array<{ id: string; service_id: string; status: string; manifests_commit_sha: string | null; idempotency_key: string | null }> = await ds.query(
      `SELECT id, service_id, status, manifests_commit_sha, idempotency_key FROM deployments ORDER BY seq OFFSET $1`,
      [rowsBefore],
    );
    // Nothing lost, nothing extra: the rows made during the run are exactly the ones answered 202.
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(accepted.keys()));
    expect(rows.every((r) => r.idempotency_key)).toBe(true);
    expect(rows.filter((r) => r.status === 'FAILED')).toEqual([]);
    // One current deployment per service.
    const [{ running }] = await ds.query(`SELECT count(DISTINCT service_id)::int AS running FROM deployments WHERE status = 'RUNNING'`);
    const [{ perService }] = await ds.query(`SELECT max(c)::int AS "perService" FROM (SELECT count(*) AS c FROM deployments WHERE status = 'RUNNING' GROUP BY service_id) x`);
    expect(running).toBe(SERVICES);
    expect(perService).toBe(1);
    // Exactly one commit for every row that committed, none for a superseded one, none duplicated.
    const log = await gitCli(bare, 'log', '--format=%H %(trailers:key=Kubidu-Deployment,valueonly,separator=)', 'main');
    const byTrailer = new Map<string, string[]>();
    for (const l of log.trim().split('\n')) {
      const [sha, id] = l.split(' ');
      if (id) byTrailer.set(id, [...(byTrailer.get(id) ?? []), sha]);
    }
    for (const [id, shas] of byTrailer) expect(shas, id).toHaveLength(1);
    // What the controller recorded per row: one DEPLOYMENT_COMMITTED each, saying whether it wrote a
    // commit or found the manifests already describing the row (noop: it points at an earlier commit).
    const committed: Array<{ deployment_id: string; noop: boolean }> = await ds.query(
      `SELECT deployment_id, coalesce((data->>'noop')::boolean, false) AS noop FROM audit_logs WHERE action = 'DEPLOYMENT_COMMITTED' AND deployment_id = ANY($1)`,
      [rows.map((r) => r.id)],
    );
    const noopById = new Map<string, boolean[]>();
    for (const c of committed) noopById.set(c.deployment_id, [...(noopById.get(c.deployment_id) ?? []), c.noop]);
    const onMain = new Set(log.trim().split('\n').map((l) => l.split(' ')[0]));
    let ownCommits = 0;
    for (const r of rows) {
      if (r.status === 'CANCELLED') {
        expect(byTrailer.has(r.id), `cancelled ${r.id} has a commit`).toBe(false);
        continue;
      }
      expect(r.manifests_commit_sha, `${r.id} ${r.status}`).toMatch(/^[0-9a-f]{40}$/);
      expect(onMain.has(r.manifests_commit_sha!), `${r.id}: its commit is on main`).toBe(true);
      const noop = noopById.get(r.id);
      expect(noop, `${r.id}: one DEPLOYMENT_COMMITTED`).toHaveLength(1);
      if (noop![0]) {
        expect(byTrailer.has(r.id), `${r.id} was a noop yet has a commit`).toBe(false);
      } else {
        expect(byTrailer.get(r.id), `${r.id}: exactly its own commit`).toEqual([r.manifests_commit_sha]);
        ownCommits++;
      }
    }
    expect(ownCommits).toBeGreaterThan(0);
  }, 240_000);
});
