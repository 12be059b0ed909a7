/**
 * Issue 20: a FAILED verdict says why, and only Argo CD's own verdicts (its sync failed, or the
 * app stayed Degraded past the grace period) may trigger an automatic rollback.
 */
import { describe, expect, it } from 'vitest';
import { decide, type SyncExpectation } from './sync-decide.js';
import { argoDeclaredFailure } from '../reconcile/deploy-one.js';
import type { ArgoApplication } from '../adapters/argocd/types.js';

const SHA = 'a'.repeat(40);
const exp: SyncExpectation = { appName: 'shop.web', commitSha: SHA, deploymentId: 'dep-1', triggeredAtMs: 0, deadlineMs: 300_000, degradedGraceMs: 60_000 };
const ours = [{ name: 'Kubidu-Deployment', value: 'dep-1' }];
const now = new Date().toISOString();
const app = (op: Record<string, unknown>, health = 'Healthy'): ArgoApplication => ({
  status: { operationState: op as any, health: { status: health as any, message: 'exceeded its progress deadline' }, sync: { status: 'Synced', revision: SHA }, reconciledAt: now },
});

describe('the cause of a failed sync', () => {
  it('sync-failed for an operation that Failed or Errored', () => {
    for (const phase of ['Failed', 'Error']) {
      const d = decide({ app: app({ phase, message: 'one or more objects failed to apply', operation: { info: ours } }), elapsedMs: 10, degradedForMs: 0 }, exp);
      expect(d).toMatchObject({ decision: 'failed', cause: 'sync-failed' });
    }
  });

  it('degraded only past the grace period', () => {
    const op = { phase: 'Succeeded', operation: { info: ours }, syncResult: { revision: SHA }, finishedAt: now };
    expect(decide({ app: app(op, 'Degraded'), elapsedMs: 10, degradedForMs: 59_999, revisionContainsCommit: true }, exp).decision).toBe('wait');
    expect(decide({ app: app(op, 'Degraded'), elapsedMs: 10, degradedForMs: 60_000, revisionContainsCommit: true }, exp)).toMatchObject({ decision: 'failed', cause: 'degraded' });
  });

  it('deadline and wrong revision are Kubidu giving up, not Argo CD’s verdict', () => {
    const late = decide({ app: app({ phase: 'Running', operation: { info: ours } }), elapsedMs: 300_000, degradedForMs: 0 }, exp);
    expect(late).toMatchObject({ decision: 'failed', cause: 'deadline' });
    const wrong = decide({ app: app({ phase: 'Succeeded', operation: { info: ours }, syncResult: { revision: 'b'.repeat(40) } }), elapsedMs: 10, degradedForMs: 0, revisionContainsCommit: false }, exp);
    expect(wrong).toMatchObject({ decision: 'failed', cause: 'wrong-revision' });
    expect(argoDeclaredFailure({ outcome: 'FAILED', message: '', cause: 'deadline' })).toBe(false);
    expect(argoDeclaredFailure({ outcome: 'FAILED', message: '', cause: 'wrong-revision' })).toBe(false);
    expect(argoDeclaredFailure({ outcome: 'FAILED', message: '' })).toBe(false);
    expect(argoDeclaredFailure({ outcome: 'FAILED', message: '', cause: 'degraded' })).toBe(true);
    expect(argoDeclaredFailure({ outcome: 'FAILED', message: '', cause: 'sync-failed' })).toBe(true);
  });
});
