/**
 * The Argo CD test server behaves as Argo CD does where Kubidu's correctness depends on it:
 * unknown applications answered without revealing their existence, operationState empty until
 * the application controller picks the operation up, a stale health window after a sync, and
 * auto-sync starting its own operations. Then Kubidu's sync step against those behaviours.
 * No wall-clock windows are asserted: the server's delays are set far apart (long ones never
 * end within a test) and the tests poll for states.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgoClient } from '../../src/adapters/argocd/client.js';
import type { ArgoApplication } from '../../src/adapters/argocd/types.js';
import { createSyncStep, type SyncStepInput } from '../../src/steps/sync-step.js';
import { startArgoTestServer, DEFAULT_ARGO_DELAYS, type ArgoTestServer, type ArgoTestServerOptions } from '../../../test-support/argocd-server.js';
import { startManifestsRemote, type ManifestsRemote } from '../../../test-support/argocd-git-fixture.js';

const NEVER = 600_000;
let remote: ManifestsRemote;
let argo: ArgoTestServer | undefined;

beforeAll(async () => {
  remote = await startManifestsRemote();
  await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:1.0.0');
  await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:1.0.0');
});
afterAll(async () => {
  await remote?.stop();
});
afterEach(async () => {
  expect(argo?.violations ?? []).toEqual([]);
  await argo?.stop();
  argo = undefined;
});

async function start(extra: Partial<ArgoTestServerOptions> = {}) {
  argo = await startArgoTestServer({
    repoURL: remote.repoURL,
    apps: [
      { name: 'shop-web', project: 'shop', path: 'apps/shop/web', targetRevision: 'main', automated: true },
      { name: 'shop-api', project: 'shop', path: 'apps/shop/api', targetRevision: 'main', automated: false },
    ],
    ...extra,
  });
  return argo;
}

async function call(s: ArgoTestServer, method: string, path: string, body?: unknown) {
  const res = await fetch(s.url + path, {
    method,
    headers: { Authorization: `Bearer ${s.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const get = async (s: ArgoTestServer, name: string) => (await call(s, 'GET', `/api/v1/applications/${name}`)).body as ArgoApplication;

/** Polls the app until `done` holds, keeping every snapshot seen (for order assertions). */
async function watch(s: ArgoTestServer, name: string, done: (a: ArgoApplication) => boolean, ms = 120_000): Promise<ArgoApplication[]> {
  const seen: ArgoApplication[] = [];
  const until = Date.now() + ms;
  for (;;) {
    const a = await get(s, name);
    seen.push(a);
    if (done(a)) return seen;
    if (Date.now() > until) throw new Error(`${name} never got there; last: ${JSON.stringify(a.status)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stepInput(commitSha: string, extra: Partial<SyncStepInput> = {}): SyncStepInput & { statuses: string[] } {
  const statuses: string[] = [];
  return {
    appName: 'shop-web', commitSha, deploymentId: '11111111-2222-4333-8444-555555555555', actor: 'ada@example.com', reason: null,
    isDescendant: (d, a) => remote.isDescendant(d, a),
    deadlineMs: 90_000,
    onStatus: async (m) => void statuses.push(m),
    statuses,
    ...extra,
  };
}
const stepFor = (s: ArgoTestServer) => createSyncStep({ argo: new ArgoClient({ url: s.url, token: s.token }), minPollMs: 20, maxPollMs: 100 });

describe('an unknown application (Argo CD does not reveal whether it exists)', () => {
  it('403 "permission denied" (gRPC 7) without a project; 404 with one; 404 for an app in another project', async () => {
    const s = await start();
    expect(await call(s, 'GET', '/api/v1/applications/nope')).toEqual({ status: 403, body: { error: 'permission denied', code: 7, message: 'permission denied' } });
    expect(await call(s, 'POST', '/api/v1/applications/nope/sync', { name: 'nope' })).toMatchObject({ status: 403, body: { code: 7, message: 'permission denied' } });
    expect(await call(s, 'GET', '/api/v1/applications/nope?project=shop')).toMatchObject({ status: 404, body: { code: 5, message: 'applications.argoproj.io "nope" not found' } });
    expect(await call(s, 'GET', '/api/v1/applications/shop-web?project=other')).toMatchObject({ status: 404, body: { code: 5 } });
    expect(await call(s, 'POST', '/api/v1/applications/shop-web/sync', { name: 'shop-web', project: 'other' })).toMatchObject({ status: 404, body: { code: 5 } });
    expect((await call(s, 'GET', '/api/v1/applications/shop-web?project=shop')).status).toBe(200);
    expect((await call(s, 'GET', '/api/v1/applications/shop-web')).status).toBe(200);
  });

  it('the same answers in the app-not-found failure mode (the app was deleted)', async () => {
    const s = await start();
    s.setFailure('app-not-found');
    expect((await call(s, 'GET', '/api/v1/applications/shop-web')).status).toBe(403);
    expect((await call(s, 'GET', '/api/v1/applications/shop-web?project=shop')).status).toBe(404);
  });
});

describe('operationState after a sync request', () => {
  it('stays empty until the application controller picks the operation up', async () => {
    const s = await start({ delays: { pickupMs: NEVER } });
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:op-1');
    const res = await call(s, 'POST', '/api/v1/applications/shop-api/sync', { name: 'shop-api', revision: sha });
    expect(res.status).toBe(200);
    expect(res.body.operation.sync.revision).toBe(sha);
    expect(res.body.status.operationState).toBeUndefined();
    const later = await get(s, 'shop-api');
    expect(later.operation?.sync?.revision).toBe(sha);
    expect(later.status?.operationState).toBeUndefined();
    // Busy already, although nothing runs yet.
    expect(await call(s, 'POST', '/api/v1/applications/shop-api/sync', { name: 'shop-api', revision: sha })).toMatchObject({ status: 400, body: { code: 9, message: 'another operation is already in progress' } });
  });

  it('then Running (startedAt, no finishedAt), then Succeeded with finishedAt and the revision', async () => {
    const s = await start({ delays: { pickupMs: 300, syncMs: 3000 } });
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:op-2');
    expect((await call(s, 'POST', '/api/v1/applications/shop-api/sync', { name: 'shop-api', revision: sha })).status).toBe(200);
    const seen = await watch(s, 'shop-api', (a) => a.status?.operationState?.phase === 'Succeeded');
    const phases = seen.map((a) => a.status?.operationState?.phase ?? 'none').filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(['none', 'Running', 'Succeeded']);
    const running = seen.find((a) => a.status?.operationState?.phase === 'Running')!;
    expect(running.status!.operationState).toMatchObject({ startedAt: expect.any(String) });
    expect(running.status!.operationState!.finishedAt).toBeUndefined();
    expect(running.operation).toBeDefined();
    const done = seen.at(-1)!;
    expect(done.operation).toBeUndefined();
    expect(done.status!.operationState).toMatchObject({ finishedAt: expect.any(String), syncResult: { revision: sha } });
  });
});

describe('health after a sync', () => {
  it('keeps the previous revision\'s Healthy until the reconcile, then Progressing, then Healthy', async () => {
    const s = await start({ delays: { pickupMs: 50, syncMs: 50, reconcileMs: 50, healthyMs: 50 } });
    const first = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:h-1');
    await call(s, 'POST', '/api/v1/applications/shop-api/sync', { name: 'shop-api', revision: first });
    await watch(s, 'shop-api', (a) => a.status?.health?.status === 'Healthy' && a.status?.sync?.revision === first);

    s.delays.reconcileMs = 3000;
    s.delays.healthyMs = 3000;
    const second = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:h-2');
    await call(s, 'POST', '/api/v1/applications/shop-api/sync', { name: 'shop-api', revision: second });
    const seen = await watch(s, 'shop-api', (a) => a.status?.health?.status === 'Healthy' && a.status?.sync?.revision === second);
    const succeeded = seen.filter((a) => a.status?.operationState?.phase === 'Succeeded');
    // The stale window: our operation Succeeded on `second`, health and sync still of `first`.
    const stale = succeeded.find((a) => a.status?.sync?.revision === first)!;
    expect(stale.status).toMatchObject({ health: { status: 'Healthy' }, sync: { status: 'Synced', revision: first }, operationState: { syncResult: { revision: second } } });
    // Argo CD's timestamps have whole seconds: under load the last reconcile and the finish can share one.
    expect(Date.parse(stale.status!.reconciledAt!)).toBeLessThanOrEqual(Date.parse(stale.status!.operationState!.finishedAt!));
    const healthAfter = succeeded.filter((a) => a.status?.sync?.revision === second).map((a) => a.status!.health!.status).filter((h, i, all) => h !== all[i - 1]);
    expect(healthAfter).toEqual(['Progressing', 'Healthy']);
    const fresh = succeeded.find((a) => a.status?.sync?.revision === second)!;
    expect(Date.parse(fresh.status!.reconciledAt!)).toBeGreaterThanOrEqual(Date.parse(fresh.status!.operationState!.finishedAt!));
  });

  it('Kubidu does not take the stale Healthy for its revision', async () => {
    const s = await start({ delays: { pickupMs: 50, syncMs: 50, reconcileMs: 50, healthyMs: 50 } });
    const first = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:k-1');
    expect(await stepFor(s).run(stepInput(first, { appName: 'shop-api' }))).toMatchObject({ outcome: 'RUNNING', syncedRevision: first });

    s.delays.reconcileMs = NEVER; // the reconcile after the next sync never comes: its health stays stale
    const second = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:k-2');
    const out = await stepFor(s).run(stepInput(second, { appName: 'shop-api', deploymentId: '11111111-2222-4333-8444-666666666666', deadlineMs: 8000 }));
    expect(out.outcome).toBe('FAILED');
    // It saw our operation Succeeded next to the old Healthy, and did not call that RUNNING.
    expect(out.message).toContain('last seen: operation Succeeded');
    expect(out.message).toContain('health Healthy');
    // Kubidu's refresh showed the new commit (OutOfSync); no reconcile has reported it Synced since.
    expect(s.apps.get('shop-api')!.status!.sync).toMatchObject({ status: 'OutOfSync', revision: second });
    expect(s.apps.get('shop-api')!.status!.health!.status).toBe('Healthy');
  });
});

describe('auto-sync', () => {
  it('an automated app syncs on its own when its branch moves (the periodic poll)', async () => {
    const s = await start({ delays: { pollMs: 300, pickupMs: 50, syncMs: 50, reconcileMs: 50, healthyMs: 50 } });
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:auto-1');
    const seen = await watch(s, 'shop-web', (a) => a.status?.operationState?.phase === 'Succeeded' && a.status.operationState.syncResult?.revision === sha && a.status.health?.status === 'Healthy');
    expect(seen.at(-1)!.status!.operationState!.operation).toMatchObject({ initiatedBy: { automated: true }, sync: { revision: sha } });
    expect(s.renderedFor('shop-web')?.images).toEqual(['registry.example.com/shop/web:auto-1']);
    // Not again for the same revision, and never for the app without auto-sync.
    const ops = s.apps.get('shop-web')!.status!.history!.length;
    await s.pollNow();
    expect(s.apps.get('shop-web')!.operation).toBeUndefined();
    expect(s.apps.get('shop-web')!.status!.history).toHaveLength(ops);
    expect(s.apps.get('shop-api')!.status!.history).toBeUndefined();
    expect(s.apps.get('shop-api')!.status!.sync!.status).toBe('OutOfSync');
    expect(s.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('a refresh reconciles before it answers: an OutOfSync automated app comes back with its own operation', async () => {
    const s = await start({ delays: { pollMs: 0, pickupMs: NEVER } });
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:auto-2');
    const web = (await call(s, 'GET', '/api/v1/applications/shop-web?refresh=normal')).body as ArgoApplication;
    expect(web.status?.sync).toMatchObject({ status: 'OutOfSync', revision: sha });
    expect(web.operation).toMatchObject({ initiatedBy: { automated: true }, sync: { revision: sha } });
    const api = (await call(s, 'GET', '/api/v1/applications/shop-api?refresh=normal')).body as ArgoApplication;
    expect(api.status?.sync?.status).toBe('OutOfSync');
    expect(api.operation).toBeUndefined();
    expect(api.status?.reconciledAt).toEqual(expect.any(String));
  });

  it('Kubidu\'s sync finds the auto-sync in progress, waits for it, syncs again and ends RUNNING on its own operation', async () => {
    const s = await start({ delays: { pollMs: 0 } });
    expect(s.delays).toMatchObject({ ...DEFAULT_ARGO_DELAYS, pollMs: 0 });
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:auto-3');
    const inp = stepInput(sha);
    const out = await stepFor(s).run(inp);
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
    const syncs = s.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sync'));
    expect(syncs.map((r) => r.status)).toEqual([400, 200]);
    expect(inp.statuses.some((m) => /busy with another operation/.test(m))).toBe(true);
    const history = s.apps.get('shop-web')!.status!.history!;
    expect(history.map((h) => (h.initiatedBy?.automated ? 'auto' : h.initiatedBy?.username))).toEqual(['auto', 'kubidu']);
    expect(s.apps.get('shop-web')!.status!.operationState!.operation!.info).toContainEqual({ name: 'Kubidu-Deployment', value: inp.deploymentId });
  });
});
