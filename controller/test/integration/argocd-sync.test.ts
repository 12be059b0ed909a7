/**
 * The sync step and the Argo CD client against the contract-faithful test server and a real
 * git remote: the happy path, deploy/deploy/rollback, revisions and every failure mode.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgoClient } from '../../src/adapters/argocd/client.js';
import { createSyncStep, type SyncStepInput } from '../../src/steps/sync-step.js';
import { startArgoTestServer, type ArgoTestServer, type ArgoTestServerOptions } from '../../../test-support/argocd-server.js';
import { startManifestsRemote, type ManifestsRemote } from '../../../test-support/argocd-git-fixture.js';

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
  // Nothing Kubidu sent may break the vendored contract, in any mode.
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

function stepFor(server: ArgoTestServer, clientOpts: Partial<ConstructorParameters<typeof ArgoClient>[0]> = {}) {
  const client = new ArgoClient({ url: server.url, token: server.token, timeoutMs: 5000, ...clientOpts });
  return createSyncStep({ argo: client, minPollMs: 20, maxPollMs: 100 });
}

function input(commitSha: string, extra: Partial<SyncStepInput> = {}): SyncStepInput & { statuses: string[] } {
  const statuses: string[] = [];
  return {
    appName: 'shop-web',
    commitSha,
    deploymentId: '0b6d9a5e-6a4e-4e7e-9d51-1f1f0c0ffee1',
    actor: 'ada@example.com',
    reason: 'release 2',
    isDescendant: (d, a) => remote.isDescendant(d, a),
    // Generous: a flow takes a few seconds with Argo CD's delays, much longer on a busy machine.
    deadlineMs: 90_000,
    onStatus: async (m) => {
      statuses.push(m);
    },
    statuses,
    ...extra,
  };
}

const syncRequests = (s: ArgoTestServer) => s.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sync'));

describe('sync step against the Argo CD test server', () => {
  it('syncs an auto-sync app to the new commit: RUNNING, rendered image, infos naming the deployment', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:2.0.0');
    const inp = input(sha);
    const out = await stepFor(s).run(inp);

    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
    expect(out.message).toContain('Healthy');
    expect(s.renderedFor('shop-web')?.images).toEqual(['registry.example.com/shop/web:2.0.0']);
    expect(s.renderedFor('shop-web')?.revision).toBe(sha);

    const op = s.apps.get('shop-web')!.status!.operationState!;
    expect(op.phase).toBe('Succeeded');
    expect(op.operation?.info).toEqual(expect.arrayContaining([
      { name: 'Kubidu-Deployment', value: inp.deploymentId },
      { name: 'Kubidu-Actor', value: 'ada@example.com' },
      { name: 'Kubidu-Reason', value: 'release 2' },
    ]));
    // Auto-sync on a branch: Kubidu must not name a revision.
    const [syncReq] = syncRequests(s);
    expect(syncReq.body).not.toHaveProperty('revision');
    // The refresh went first.
    expect(s.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/applications/shop-web', query: { refresh: 'normal' } });
    for (const r of s.requests.filter((x) => x.method !== 'GET')) expect(r.headers['content-type']).toBe('application/json');
    expect(inp.statuses.length).toBeGreaterThan(1);
    expect(s.violations).toEqual([]);
  });

  it('deploy, deploy, roll back: each ends RUNNING and the cluster gets the rollback target image', { timeout: 300_000 }, async () => {
    const s = await start();
    const step = stepFor(s);
    const images = ['registry.example.com/shop/web:3.0.0', 'registry.example.com/shop/web:4.0.0', 'registry.example.com/shop/web:3.0.0'];
    const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
    for (let i = 0; i < 3; i++) {
      const sha = await remote.commitImage('shop', 'web', images[i], i === 2 ? 'rollback to 1' : `deploy ${i}`);
      const out = await step.run(input(sha, { deploymentId: ids[i], reason: i === 2 ? 'rollback' : null }));
      expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
      expect(s.renderedFor('shop-web')?.images).toEqual([images[i]]);
    }
    const info = s.apps.get('shop-web')!.status!.operationState!.operation!.info!;
    expect(info).toContainEqual({ name: 'Kubidu-Deployment', value: ids[2] });
    expect(info).toContainEqual({ name: 'Kubidu-Reason', value: 'rollback' });
    // Kubidu's refresh lets auto-sync start its own operation each time; Kubidu's three come on top.
    expect(s.apps.get('shop-web')!.status!.history!.filter((h) => h.initiatedBy?.username === 'kubidu')).toHaveLength(3);
    expect(s.violations).toEqual([]);
  });

  it('pins the commit for an app without auto-sync', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:2.0.0');
    const out = await stepFor(s).run(input(sha, { appName: 'shop-api', reason: null }));
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
    expect(syncRequests(s)[0].body).toMatchObject({ name: 'shop-api', revision: sha });
    const info = s.apps.get('shop-api')!.status!.operationState!.operation!.info!;
    expect(info.find((i) => i.name === 'Kubidu-Reason')).toBeUndefined();
    expect(s.renderedFor('shop-api')?.images).toEqual(['registry.example.com/shop/api:2.0.0']);
  });

  it('accepts a synced revision that is a descendant of the commit', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:5.0.0');
    const later = await remote.commitOther('someone else pushed after us');
    const out = await stepFor(s).run(input(sha));
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: later });
    expect(s.renderedFor('shop-web')?.images).toEqual(['registry.example.com/shop/web:5.0.0']);
  });

  it('fails when Argo CD synced a revision that does not contain the commit', async () => {
    const s = await start();
    const side = await remote.commitOffMain();
    const out = await stepFor(s).run(input(side));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toMatch(/which does not contain commit/);
  });
});

describe('failure modes end where they should, with Argo CD\'s message', () => {
  it('unauthorized token → FAILED at once, pointing at ARGOCD_TOKEN', async () => {
    const s = await start();
    s.setFailure('unauthorized');
    const out = await stepFor(s).run(input('a'.repeat(40)));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('invalid session: token signature is invalid');
    expect(out.message).toContain('ARGOCD_TOKEN');
    expect(out.message).not.toContain(s.token);
    expect(s.requests).toHaveLength(1);
  });

  it('unauthorized session login → FAILED, pointing at ARGOCD_USERNAME/ARGOCD_PASSWORD', async () => {
    const s = await start();
    const out = await stepFor(s, { token: undefined, username: 'kubidu', password: 'wrong-password' }).run(input('a'.repeat(40)));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('Invalid username or password');
    expect(out.message).toContain('ARGOCD_USERNAME');
    expect(out.message).not.toContain('wrong-password');
  });

  it('forbidden → FAILED with Argo CD\'s permission message and the RBAC fix', async () => {
    const s = await start();
    s.setFailure('forbidden');
    const out = await stepFor(s).run(input('a'.repeat(40)));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('permission denied: applications, sync, shop/shop-web, sub: kubidu');
    expect(out.message).toContain('argocd-rbac-cm');
  });

  it('unknown app (a wrong ARGOCD_APP_TEMPLATE) → FAILED naming ARGOCD_APP_TEMPLATE and the RBAC', async () => {
    const s = await start();
    const out = await stepFor(s).run(input('a'.repeat(40), { appName: 'shop-wbe' }));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toMatch(/^Argo CD answered permission denied or no such application 'shop-wbe' .*check ARGOCD_APP_TEMPLATE .*RBAC/);
    // The path production takes: Kubidu names no project, so Argo CD answers 403 "permission denied", not 404.
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/applications/shop-wbe', status: 403 });
    expect(s.requests[0].query).not.toHaveProperty('project');
  });

  it('sync window → FAILED with "Cannot sync: Blocked by sync window"', async () => {
    const s = await start();
    s.setFailure('sync-window');
    const out = await stepFor(s).run(input('a'.repeat(40)));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('Cannot sync: Blocked by sync window');
    expect(syncRequests(s)).toHaveLength(1);
  });

  it('another operation in progress → waits for it and syncs again', async () => {
    const s = await start();
    // The app without auto-sync, so that Kubidu's own refresh starts no operation of its own.
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:6.0.0');
    s.setFailure('operation-in-progress', { times: 2 });
    const inp = input(sha, { appName: 'shop-api' });
    const out = await stepFor(s).run(inp);
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
    const syncs = syncRequests(s);
    expect(syncs.map((r) => r.status)).toEqual([400, 400, 200]);
    expect(inp.statuses.some((m) => /busy with another operation/.test(m))).toBe(true);
  });

  it('auto-sync turned on behind Kubidu\'s back → retries without a revision', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:3.0.0');
    s.setFailure('auto-sync-revision');
    const out = await stepFor(s).run(input(sha, { appName: 'shop-api' }));
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
    const syncs = syncRequests(s);
    expect(syncs).toHaveLength(2);
    expect(syncs[0]).toMatchObject({ status: 400, body: { revision: sha } });
    expect(syncs[1].body).not.toHaveProperty('revision');
  });

  it('HTTP 500s are retried with backoff', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:7.0.0');
    s.setFailure('http-500', { times: 3 });
    const inp = input(sha);
    const out = await stepFor(s).run(inp);
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
    expect(s.requests.filter((r) => r.status === 500)).toHaveLength(3);
    expect(inp.statuses.some((m) => m.includes('Argo CD answered 500'))).toBe(true);
  });

  it('a hanging Argo CD → FAILED after the deadline, saying it did not answer', async () => {
    const s = await start();
    s.setFailure('timeout');
    const out = await stepFor(s, { timeoutMs: 300 }).run(input('a'.repeat(40), { deadlineMs: 1200 }));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toMatch(/Gave up on Argo CD after 1 s .*did not answer within 0 s/);
  });

  it('a failed sync operation → FAILED with the operation\'s message', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:8.0.0');
    s.setFailure('sync-failed');
    const out = await stepFor(s).run(input(sha));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain("Argo CD sync of 'shop-web' failed: one or more objects failed to apply");
  });

  it('Degraded past the grace period → FAILED with the health message', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:9.0.0');
    s.setFailure('degraded');
    const out = await stepFor(s).run(input(sha, { degradedGraceMs: 200 }));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('Degraded');
    expect(out.message).toContain('Deployment "web" exceeded its progress deadline');
    expect(out.syncedRevision).toBe(sha);
  });

  it('Argo CD down → FAILED after the deadline with "refused the connection"', async () => {
    const s = await start();
    s.setFailure('down');
    const out = await stepFor(s).run(input('a'.repeat(40), { deadlineMs: 1000 }));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('refused the connection');
  });

  it('Argo CD down for a moment → retried, then RUNNING', async () => {
    const s = await start();
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:10.0.0');
    s.setFailure('down');
    setTimeout(() => s.setFailure('none'), 400);
    const out = await stepFor(s).run(input(sha));
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: sha });
  });

  it('past the deadline while the operation runs → FAILED and the operation is terminated', async () => {
    // The operation never ends within the test; the deadline leaves room for the pick-up on a busy machine.
    const s = await start({ delays: { syncMs: 600_000, pickupMs: 50 } });
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:11.0.0');
    const out = await stepFor(s).run(input(sha, { appName: 'shop-api', deadlineMs: 8000 }));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toMatch(/did not report 'shop-api' synced to .* and Healthy within 8 s; last seen: operation Running/);
    const del = s.requests.find((r) => r.method === 'DELETE');
    expect(del).toMatchObject({ path: '/api/v1/applications/shop-api/operation', status: 200 });
    expect(del!.headers['content-type']).toBe('application/json');
    expect(s.apps.get('shop-api')!.status!.operationState!.message).toBe('Operation terminated');
  });

  it('still Progressing at the deadline → FAILED carrying the health message', async () => {
    // The rollout never ends within the test.
    const s = await start({ delays: { healthyMs: 600_000, pickupMs: 50, syncMs: 50, reconcileMs: 50 } });
    const sha = await remote.commitImage('shop', 'api', 'registry.example.com/shop/api:12.0.0');
    const out = await stepFor(s).run(input(sha, { appName: 'shop-api', deadlineMs: 10_000 }));
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain('health Progressing (Waiting for rollout to finish');
  });
});
