import { describe, expect, it } from 'vitest';
import { decide, isRelevantOperation, type SyncExpectation } from './sync-decide.js';
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
const obs = (a: ArgoApplication, extra: Partial<{ elapsedMs: number; degradedForMs: number; revisionContainsCommit: boolean }> = {}) => ({ app: a, elapsedMs: 1000, degradedForMs: 0, ...extra });
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

describe('isRelevantOperation', () => {
  it('matches by our deployment info, or by starting after our request (second precision)', () => {
    expect(isRelevantOperation({ operation: { info: ours } }, exp)).toBe(true);
    expect(isRelevantOperation({ startedAt: '2026-01-01T10:00:00Z' }, exp)).toBe(true); // same second as the request
    expect(isRelevantOperation({ startedAt: '2026-01-01T09:59:59Z' }, exp)).toBe(false);
    expect(isRelevantOperation(undefined, exp)).toBe(false);
  });
});
