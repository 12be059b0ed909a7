import { describe, expect, it } from 'vitest';
import { appNameFor, buildSyncRequest, createSyncStep, type Clock } from './sync-step.js';
import type { ArgoApi } from '../adapters/argocd/client.js';
import { ArgoOperationInProgressError, ArgoUnavailableError } from '../adapters/argocd/errors.js';
import type { ArgoApplication, ArgoSyncRequest } from '../adapters/argocd/types.js';

const SHA = 'c'.repeat(40);

describe('appNameFor', () => {
  it('uses {project}.{service} by default and any template given', () => {
    expect(appNameFor(undefined, { project: 'shop', service: 'web' })).toBe('shop.web');
    expect(appNameFor('', { project: 'shop', service: 'web' })).toBe('shop.web');
    expect(appNameFor('prod-{service}.{project}', { project: 'shop', service: 'web' })).toBe('prod-web.shop');
  });
});

describe('buildSyncRequest', () => {
  const input = { deploymentId: 'd1', actor: 'ada@example.com', reason: 'hotfix', commitSha: SHA };
  it('omits the revision for auto-sync apps and mirrors their prune', () => {
    const req = buildSyncRequest({ spec: { source: { targetRevision: 'main' }, syncPolicy: { automated: { prune: true } } } }, input);
    expect(req).toEqual({
      prune: true,
      syncOptions: { items: ['FailOnSharedResource=true'] },
      infos: [
        { name: 'Kubidu-Deployment', value: 'd1' },
        { name: 'Kubidu-Actor', value: 'ada@example.com' },
        { name: 'Kubidu-Commit', value: SHA },
        { name: 'Kubidu-Reason', value: 'hotfix' },
      ],
    });
  });
  it('adds FailOnSharedResource=true to the Application\'s own sync options (a request\'s options replace them)', () => {
    const app = { spec: { syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true', 'FailOnSharedResource=false'] } } };
    expect(buildSyncRequest(app, input).syncOptions).toEqual({ items: ['CreateNamespace=true', 'FailOnSharedResource=true'] });
  });
  it('pins the commit when auto-sync is off or explicitly disabled', () => {
    expect(buildSyncRequest({ spec: { source: { targetRevision: 'main' } } }, input).revision).toBe(SHA);
    expect(buildSyncRequest({ spec: { syncPolicy: { automated: { enabled: false } } } }, input).revision).toBe(SHA);
  });
});

/** A fake clock: sleeping advances time instantly. */
function fakeClock(): Clock & { t: number } {
  const c = { t: Date.parse('2026-01-01T10:00:00Z'), now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

/** A small scripted Argo CD: each call consults the script. */
function fakeArgo(script: { sync: Array<() => void>; afterSync: (n: number) => ArgoApplication }): ArgoApi & { syncs: ArgoSyncRequest[] } {
  let gets = 0;
  const syncs: ArgoSyncRequest[] = [];
  return {
    syncs,
    async getApplication() {
      gets++;
      return syncs.length ? script.afterSync(gets) : { spec: { syncPolicy: { automated: {} } }, status: {} };
    },
    async sync(_name, req) {
      const step = script.sync.shift();
      step?.();
      syncs.push(req);
      return {};
    },
  };
}

const healthy = (): ArgoApplication => ({
  status: { operationState: { phase: 'Succeeded', operation: { info: [{ name: 'Kubidu-Deployment', value: 'd1' }] }, syncResult: { revision: SHA } }, sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' } },
});
const base = { appName: 'shop-web', commitSha: SHA, deploymentId: 'd1', actor: 'a@b.c', reason: null, isDescendant: async () => false };

describe('createSyncStep (with a fake Argo CD and clock)', () => {
  it('retries 5xx on sync with backoff and reaches RUNNING', async () => {
    const clock = fakeClock();
    const argo = fakeArgo({ sync: [() => { throw new ArgoUnavailableError('ARGOCD_UNAVAILABLE', 'Argo CD answered 503: x', { retryable: true }); }], afterSync: healthy });
    const out = await createSyncStep({ argo, clock }).run(base);
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: SHA });
    expect(argo.syncs).toHaveLength(1);
  });

  it('gives up at the deadline when Argo CD stays unavailable', async () => {
    const clock = fakeClock();
    const argo: ArgoApi = { getApplication: async () => { throw new ArgoUnavailableError('ARGOCD_UNAVAILABLE', 'Argo CD at http://x refused the connection', { retryable: true }); }, sync: async () => ({}) };
    const out = await createSyncStep({ argo, clock }).run({ ...base, deadlineMs: 10_000 });
    expect(out).toEqual({ outcome: 'FAILED', message: "Gave up on Argo CD after 10 s while trying to refresh 'shop-web': Argo CD at http://x refused the connection" });
  });

  it('fails when another operation never finishes before the deadline', async () => {
    const clock = fakeClock();
    const argo: ArgoApi = {
      getApplication: async () => ({ operation: { sync: {} }, status: { operationState: { phase: 'Running' } } }),
      sync: async () => { throw new ArgoOperationInProgressError('ARGOCD_OPERATION_IN_PROGRESS', 'busy', { retryable: true }); },
    };
    const out = await createSyncStep({ argo, clock }).run({ ...base, deadlineMs: 5_000 });
    expect(out.outcome).toBe('FAILED');
    expect(out.message).toContain("still busy with another operation on 'shop-web' after 5 s");
  });

  it('reports status changes once each', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const argo = fakeArgo({ sync: [], afterSync: (n) => (n < 5 ? { status: { operationState: { phase: 'Running', operation: { info: [{ name: 'Kubidu-Deployment', value: 'd1' }] } } } } : healthy()) });
    await createSyncStep({ argo, clock }).run({ ...base, onStatus: async (m) => void seen.push(m) });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen[0]).toBe("Refreshing Argo CD application 'shop-web'");
    expect(seen.at(-1)).toContain('Healthy');
  });
});

describe('createSyncStep: the git check', () => {
  it('asks isDescendant again when it fails once, then reaches RUNNING on a descendant', async () => {
    const clock = fakeClock();
    const LATER = 'd'.repeat(40);
    let calls = 0;
    const argo = fakeArgo({
      sync: [],
      afterSync: () => ({ status: { operationState: { phase: 'Succeeded', operation: { info: [{ name: 'Kubidu-Deployment', value: 'd1' }] }, syncResult: { revision: LATER } }, sync: { status: 'Synced', revision: LATER }, health: { status: 'Healthy' } } }),
    });
    const out = await createSyncStep({ argo, clock }).run({
      ...base,
      isDescendant: async (d, a) => {
        calls++;
        if (calls === 1) throw new Error('fetch failed');
        return d === LATER && a === SHA;
      },
    });
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: LATER });
    expect(calls).toBe(2);
  });
});
