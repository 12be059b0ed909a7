import { describe, expect, it } from 'vitest';
import { decide, isRelevantOperation, staleHealthReason, type SyncExpectation } from './sync-decide.js';
import type { ArgoApplication } from '../adapters/argocd/types.js';

const SHA = 'a'.repeat(40);
const LATER = 'b'.repeat(40);
const T0 = Date.parse('2026-01-01T10:00:00Z');
const exp: SyncExpectation = { appName: 'shop-web', commitSha: SHA, deploymentId: 'dep-1', triggeredAtMs: T0 + 400, deadlineMs: 300_000, degradedGraceMs: 60_000 };
const ours = [{ name: 'Kubidu-Deployment', value: 'dep-1' }];

function app(op: Record<string, unknown> | undefined, health?: string, healthMessage?: string): ArgoApplication {
  return {
    status: {
      operationState: op as any,
      health: health ? { status: health, message: healthMessage } : undefined,
      sync: { status: 'Synced' },
    },
  };
}
const obs = (a: ArgoApplication, extra: Partial<{ elapsedMs: number; degradedForMs: number; revisionContainsCommit: boolean; comparedRevisionContainsCommit: boolean }> = {}) => ({ app: a, elapsedMs: 1000, degradedForMs: 0, ...extra });
const succeeded = (rev = SHA) => ({ phase: 'Succeeded', operation: { info: ours }, syncResult: { revision: rev } });

describe('decide', () => {
  it('running when our operation Succeeded on the commit and health is Healthy', () => {
    expect(decide(obs(app(succeeded(), 'Healthy'), { revisionContainsCommit: true }), exp)).toEqual({
      decision: 'running', revision: SHA, message: "Argo CD synced 'shop-web' to aaaaaaaaaaaa and it is Healthy",
    });
  });

  it('running on a descendant revision', () => {
    expect(decide(obs(app(succeeded(LATER), 'Healthy'), { revisionContainsCommit: true }), exp)).toMatchObject({ decision: 'running', revision: LATER });
  });

  it('waits until the descendant check is known', () => {
    expect(decide(obs(app(succeeded(LATER), 'Healthy')), exp).decision).toBe('wait');
  });

  it('failed when the synced revision does not contain the commit', () => {
    const d = decide(obs(app(succeeded(LATER), 'Healthy'), { revisionContainsCommit: false }), exp);
    expect(d).toMatchObject({ decision: 'failed' });
    expect(d.message).toContain('bbbbbbbbbbbb, which does not contain commit aaaaaaaaaaaa');
  });

  it('failed on Failed and Error, carrying Argo CD\'s message', () => {
    for (const phase of ['Failed', 'Error']) {
      const d = decide(obs(app({ phase, message: 'ComparisonError: boom', operation: { info: ours } })), exp);
      expect(d.decision).toBe('failed');
      expect(d.message).toContain('ComparisonError: boom');
    }
  });

  it('waits while Running, Terminating or Progressing', () => {
    expect(decide(obs(app({ phase: 'Running', operation: { info: ours } }, 'Healthy')), exp).decision).toBe('wait');
    expect(decide(obs(app({ phase: 'Terminating', operation: { info: ours } })), exp).decision).toBe('wait');
    expect(decide(obs(app(succeeded(), 'Progressing'), { revisionContainsCommit: true }), exp).decision).toBe('wait');
    expect(decide(obs(app(succeeded(), 'Suspended'), { revisionContainsCommit: true }), exp).decision).toBe('wait');
  });

  it('Degraded waits within the grace period and fails past it with the health message', () => {
    const a = app(succeeded(), 'Degraded', 'Deployment "web" exceeded its progress deadline');
    expect(decide(obs(a, { revisionContainsCommit: true, degradedForMs: 59_999 }), exp).decision).toBe('wait');
    const d = decide(obs(a, { revisionContainsCommit: true, degradedForMs: 60_000 }), exp);
    expect(d.decision).toBe('failed');
    expect(d.message).toContain('Deployment "web" exceeded its progress deadline');
  });

  it('ignores an older operation that is not ours (a previous sync that Succeeded and is Healthy)', () => {
    const old = { phase: 'Succeeded', startedAt: '2026-01-01T09:00:00Z', operation: { info: [{ name: 'Kubidu-Deployment', value: 'dep-0' }] }, syncResult: { revision: SHA } };
    expect(decide(obs(app(old, 'Healthy'), { revisionContainsCommit: true }), exp)).toMatchObject({ decision: 'wait' });
  });

  it('past the deadline: failed, describing what Argo CD last said', () => {
    const d = decide(obs(app({ phase: 'Running', message: 'waiting for healthy state of apps/Deployment/web', operation: { info: ours } }, 'Progressing'), { elapsedMs: 300_000 }), exp);
    expect(d.decision).toBe('failed');
    expect(d.message).toBe("Argo CD did not report 'shop-web' synced to aaaaaaaaaaaa and Healthy within 300 s; last seen: operation Running (waiting for healthy state of apps/Deployment/web), sync Synced, health Progressing");
  });

  it('a terminal Argo CD answer wins over the deadline', () => {
    const d = decide(obs(app({ phase: 'Failed', message: 'hook failed', operation: { info: ours } }), { elapsedMs: 999_999 }), exp);
    expect(d.message).toContain('hook failed');
  });
});

describe('decide: the stale window after a sync', () => {
  // What Argo CD shows between the end of our operation and the reconcile that follows it:
  // operationState Succeeded on the new revision, but sync and health still of the old one.
  const OLD = 'e'.repeat(40);
  const finished = { ...succeeded(), startedAt: '2026-01-01T10:00:01Z', finishedAt: '2026-01-01T10:00:03Z' };
  const at = (sync: Record<string, unknown>, reconciledAt: string | undefined, health = 'Healthy'): ArgoApplication => ({
    status: { operationState: finished as any, sync: sync as any, health: { status: health }, reconciledAt },
  });

  it('waits on the previous revision\'s Healthy: not reconciled since the operation finished', () => {
    const stale = at({ status: 'Synced', revision: OLD }, '2026-01-01T10:00:02Z');
    const d = decide(obs(stale, { revisionContainsCommit: true }), exp);
    expect(d.decision).toBe('wait');
    expect(d.message).toContain('not reconciled since the sync finished');
    expect(decide(obs(at({ status: 'Synced', revision: SHA }, undefined), { revisionContainsCommit: true }), exp).decision).toBe('wait');
  });

  it('waits when the reconcile already saw the new commit but the app is still OutOfSync, or Synced to the old revision', () => {
    expect(decide(obs(at({ status: 'OutOfSync', revision: SHA }, '2026-01-01T10:00:03Z'), { revisionContainsCommit: true }), exp).decision).toBe('wait');
    // Same second as finishedAt (second precision) but the compared revision is the old one.
    expect(decide(obs(at({ status: 'Synced', revision: OLD }, '2026-01-01T10:00:03Z'), { revisionContainsCommit: true, comparedRevisionContainsCommit: false }), exp).decision).toBe('wait');
  });

  it('does not fail on a stale Degraded of the previous revision', () => {
    const d = decide(obs(at({ status: 'Synced', revision: OLD }, '2026-01-01T10:00:02Z', 'Degraded'), { revisionContainsCommit: true, degradedForMs: 120_000 }), exp);
    expect(d.decision).toBe('wait');
  });

  it('running once reconciled: Synced to the synced revision, or to a later one that contains the commit', () => {
    expect(decide(obs(at({ status: 'Synced', revision: SHA }, '2026-01-01T10:00:03Z'), { revisionContainsCommit: true }), exp)).toMatchObject({ decision: 'running', revision: SHA });
    expect(decide(obs(at({ status: 'Synced', revision: LATER }, '2026-01-01T10:00:05Z'), { revisionContainsCommit: true, comparedRevisionContainsCommit: true }), exp)).toMatchObject({ decision: 'running', revision: SHA });
    expect(decide(obs(at({ status: 'Synced', revision: LATER }, '2026-01-01T10:00:05Z'), { revisionContainsCommit: true }), exp).decision).toBe('wait');
  });

  it('past the deadline in the stale window: failed, not running', () => {
    const d = decide(obs(at({ status: 'Synced', revision: OLD }, '2026-01-01T10:00:02Z'), { revisionContainsCommit: true, elapsedMs: 300_000 }), exp);
    expect(d.decision).toBe('failed');
  });

  it('staleHealthReason names what is missing', () => {
    expect(staleHealthReason(at({ status: 'Synced', revision: OLD }, '2026-01-01T10:00:03Z'), SHA, {})).toBe('health is for eeeeeeeeeeee');
    expect(staleHealthReason(at({ status: 'Synced', revision: SHA }, '2026-01-01T10:00:03Z'), SHA, {})).toBeUndefined();
  });
});

describe('isRelevantOperation', () => {
  it('matches by our deployment info, or by starting after our request (second precision)', () => {
    expect(isRelevantOperation({ operation: { info: ours } }, exp)).toBe(true);
    expect(isRelevantOperation({ startedAt: '2026-01-01T10:00:00Z' }, exp)).toBe(true); // same second as the request
    expect(isRelevantOperation({ startedAt: '2026-01-01T09:59:59Z' }, exp)).toBe(false);
    expect(isRelevantOperation(undefined, exp)).toBe(false);
  });
});
