/**
 * Sets up what a bench section runs against: the generated manifests repo served
 * by `git http-backend`, a fresh database seeded with a fleet of services (each
 * with a rollback target), optionally the Argo CD test server as the sync engine,
 * and the API (+ in-process controller) from stack.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createEmptyDatabase } from '../../test-support/postgres.js';
import { openDatabase } from '@kubidu/core/db/data-source';
import { startGitHttpServer, type GitHttpServer } from '../../test-support/git-http-server.js';
import { startArgoTestServer, INSTANT_ARGO_DELAYS, type ArgoTestServer, type LoggedRequest } from '../../test-support/argocd-server.js';
import { benchDir, ensureBenchRepo, serviceName, PROJECT } from '../bench-git.js';
import type { BenchOptions } from './options.js';
import { PushRecorder } from './push-recorder.js';
import { startApiAndController } from './stack.js';
import { git, now } from './util.js';

/** Everything one section talks to. */
export interface Stack {
  services: number;
  /** The remote's bare repo (read with git; the Argo CD test server clones it by path). */
  bare: string;
  /** main before the section ran (restored on stop, so the cached repo stays comparable). */
  original: string;
  manifestsUrl: string;
  git: GitHttpServer;
  dbUrl: string;
  ds: DataSource;
  apiUrl: string;
  token: string;
  key: string;
  argo: ArgoTestServer | null;
  /** Arrival time of every Argo CD request, by log object. */
  argoArrivals: Array<{ at: number; log: LoggedRequest }>;
  rec: PushRecorder;
  /** target deployment to roll back to, per service index (a SUCCESS row that is not current). */
  targets: string[];
  dataDir: string;
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
  get(path: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** Services svc-00000.. in project `bench`, each with an older SUCCESS row (rollback target) and a RUNNING one. */
async function seedFleet(ds: DataSource, services: number, userId: string, email: string): Promise<string[]> {
  const [{ id: projectId }] = await ds.query(`INSERT INTO projects(name, slug, owner_id) VALUES ($1, $1, $2) RETURNING id`, [PROJECT, userId]);
  await ds.query(
    `INSERT INTO services(project_id, name, port) SELECT $1, 'svc-' || lpad(i::text, 5, '0'), 8080 FROM generate_series(0, $2::int - 1) i`,
    [projectId, services],
  );
  for (const [status, tag] of [['SUCCESS', '0.9.0'], ['RUNNING', '1.0.0']]) {
    await ds.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, cpu_limit, memory_limit, actor, created_by_id, finished_at, manifests_commit_sha)
       SELECT s.id, $2, 'API', 'ghcr.io/acme/' || s.name || ':' || $3, 8080, 2, '250m', '256Mi', $4, $5, now(), NULL
       FROM services s WHERE s.project_id = $1 ORDER BY s.name`,
      [projectId, status, tag, email, userId],
    );
  }
  const rows: Array<{ name: string; id: string }> = await ds.query(
    `SELECT s.name, d.id FROM deployments d JOIN services s ON s.id = d.service_id WHERE s.project_id = $1 AND d.status = 'SUCCESS' ORDER BY s.name`,
    [projectId],
  );
  return rows.map((r) => r.id);
}

/** The Argo CD test server with one automated app per service; every request's arrival time is recorded. */
async function startArgo(bare: string, services: number, arrivals: Stack['argoArrivals']): Promise<ArgoTestServer> {
  // The test server clones and renders at the synced revision; cloning by path (hardlinks)
  // stands in for Argo CD's repo-server cache, which fetches incrementally instead of cloning.
  const argo = await startArgoTestServer({
    gitUrl: () => bare,
    apps: Array.from({ length: services }, (_, i) => ({
      name: `${PROJECT}.${serviceName(i)}`,
      project: PROJECT,
      path: `apps/${PROJECT}/${serviceName(i)}`,
      targetRevision: 'main',
      automated: true,
    })),
    // The bench measures Kubidu, not Argo CD's latencies: no waiting and no periodic poll of
    // every app (the refresh still reconciles and auto-syncs, as Argo CD does).
    delays: INSTANT_ARGO_DELAYS,
  });
  const reqs = argo.requests;
  const push = reqs.push.bind(reqs);
  reqs.push = (...logs: LoggedRequest[]) => {
    const at = now();
    for (const log of logs) arrivals.push({ at, log });
    return push(...logs);
  };
  return argo;
}

/** The controller environment that points at this stack's remote and sync engine. */
export function controllerEnv(s: Pick<Stack, 'manifestsUrl' | 'key' | 'argo'>, dataDir: string): NodeJS.ProcessEnv {
  return {
    MANIFESTS_REPO_URL: s.manifestsUrl,
    KUBIDU_ENCRYPTION_KEY: s.key,
    KUBIDU_KUBERNETES: 'off',
    KUBIDU_DATA_DIR: dataDir,
    ...(s.argo ? { ARGOCD_URL: s.argo.url, ARGOCD_TOKEN: s.argo.token, KUBIDU_SYNC: 'argocd-api' } : { KUBIDU_SYNC: 'none' }),
  };
}

/** Starts a section's stack at `services` (the repo is generated once and cached under KUBIDU_BENCH_DIR). */
export async function startStack(o: BenchOptions, services: number, mode: { argo: boolean; controller: boolean; env?: NodeJS.ProcessEnv }): Promise<Stack> {
  const root = join(benchDir(), 'repos');
  const name = await ensureBenchRepo(root, services, o.history);
  const bare = join(root, name);
  const original = (await git(bare, 'rev-parse', 'main')).trim();
  await git(bare, 'config', 'core.logAllRefUpdates', 'always');
  const gitSrv = await startGitHttpServer({ root });
  const manifestsUrl = gitSrv.url(name);
  const dbUrl = await createEmptyDatabase(o.adminUrl!, 'kubidu_bench');
  const ds = await openDatabase({ url: dbUrl, poolMax: 10 });
  const key = randomBytes(32).toString('base64');
  const dataDir = mkdtempSync(join(tmpdir(), 'kubidu-bench-data-'));
  const rec = new PushRecorder();
  const argoArrivals: Stack['argoArrivals'] = [];
  const argo = mode.argo ? await startArgo(bare, services, argoArrivals) : null;
  const env = { ...controllerEnv({ manifestsUrl, key, argo }, dataDir), ...mode.env };
  const api = await startApiAndController({ ds, dataDir, key, env, controller: mode.controller, logger: rec.logger() });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(api.apiUrl + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const email = `bench-${randomBytes(3).toString('hex')}@example.com`;
  const reg = await call('POST', '/api/auth/register', '', { email, password: 'correct horse battery' });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const token = reg.body.token as string;
  const targets = await seedFleet(ds, services, reg.body.user.id, email);
  return {
    services,
    bare,
    original,
    manifestsUrl,
    git: gitSrv,
    dbUrl,
    ds,
    apiUrl: api.apiUrl,
    token,
    key,
    argo,
    argoArrivals,
    rec,
    targets,
    dataDir,
    post: (path, body) => call('POST', path, token, body),
    get: (path) => call('GET', path, token),
    async stop() {
      await api.stop();
      await argo?.stop();
      await ds.destroy();
      await gitSrv.stop();
      // Keep the cached repo comparable between runs (as bench-git does); side branches of native pushes go too.
      await git(bare, 'update-ref', 'refs/heads/main', original).catch(() => undefined);
      for (const ref of (await git(bare, 'for-each-ref', '--format=%(refname)', 'refs/heads/').catch(() => '')).split('\n')) {
        if (ref && ref !== 'refs/heads/main') await git(bare, 'update-ref', '-d', ref).catch(() => undefined);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
