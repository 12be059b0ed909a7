import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_STATUSES } from './enums.js';
import { canRollback, defaultRollbackTarget, rollbackRefusal, rollbackRefusalMessage, type HistoryRow } from './rollback-rule.js';

describe('the rollback rule', () => {
  it('allows RUNNING and SUCCESS rows that are neither current nor marked bad', () => {
    const allowed = DEPLOYMENT_STATUSES.filter((status) => canRollback({ status, isCurrent: false, markedBad: false }));
    expect(allowed).toEqual(['RUNNING', 'SUCCESS']);
  });

  it('refuses with the code the API answers, checked in the API order', () => {
    expect(rollbackRefusal({ status: 'FAILED', isCurrent: false, markedBad: true })).toBe('ROLLBACK_TARGET_INVALID');
    expect(rollbackRefusal({ status: 'QUEUED', isCurrent: false, markedBad: false })).toBe('ROLLBACK_TARGET_INVALID');
    expect(rollbackRefusal({ status: 'RUNNING', isCurrent: true, markedBad: true })).toBe('ROLLBACK_TARGET_BAD');
    expect(rollbackRefusal({ status: 'SUCCESS', isCurrent: false, markedBad: true })).toBe('ROLLBACK_TARGET_BAD');
    expect(rollbackRefusal({ status: 'RUNNING', isCurrent: true, markedBad: false })).toBe('ROLLBACK_TARGET_CURRENT');
    expect(rollbackRefusal({ status: 'SUCCESS', isCurrent: false, markedBad: false })).toBeNull();
    expect(canRollback({ status: 'RUNNING', isCurrent: true, markedBad: false })).toBe(false);
  });
});

/** A history row; `newestFirst` lists them as the API does. */
function row(id: string, over: Partial<HistoryRow> = {}): HistoryRow {
  return { id, status: 'SUCCESS', isCurrent: false, markedBad: false, source: 'API', revertsDeploymentId: null, ...over };
}
const ids = (r: HistoryRow | undefined) => r?.id;

describe('the default rollback target', () => {
  it('is the deployment before the current one after plain deploys', () => {
    expect(ids(defaultRollbackTarget([row('v3', { status: 'RUNNING', isCurrent: true }), row('v2'), row('v1')]))).toBe('v2');
  });

  it('after rolling v3 back to v1 it is v2, not v3 (the deployment just left)', () => {
    const history = [row('r1', { status: 'RUNNING', isCurrent: true, source: 'ROLLBACK' }), row('v3'), row('v2'), row('v1')];
    expect(ids(defaultRollbackTarget(history))).toBe('v2');
  });

  it('a failed deploy between does not hide that a rollback replaced the row before it', () => {
    const history = [row('r1', { status: 'RUNNING', isCurrent: true, source: 'ROLLBACK' }), row('v4', { status: 'FAILED' }), row('v3'), row('v2')];
    expect(ids(defaultRollbackTarget(history))).toBe('v2');
  });

  it('a git revert replaces what it reverted, like a rollback', () => {
    const history = [row('g1', { status: 'RUNNING', isCurrent: true, source: 'GIT', revertsDeploymentId: 'v3' }), row('v3'), row('v2')];
    expect(ids(defaultRollbackTarget(history))).toBe('v2');
  });

  it('skips rows marked bad, failed or cancelled, and rows newer than the current one', () => {
    const history = [
      row('q', { status: 'QUEUED' }),
      row('v5', { status: 'RUNNING', isCurrent: true }),
      row('v4', { markedBad: true }),
      row('v3', { status: 'FAILED' }),
      row('v2', { status: 'CANCELLED' }),
      row('v1'),
    ];
    expect(ids(defaultRollbackTarget(history))).toBe('v1');
  });

  it('a row replaced by a bad-marked deploy is still a target; consecutive rollbacks skip each row they left', () => {
    expect(ids(defaultRollbackTarget([row('v3', { status: 'RUNNING', isCurrent: true }), row('v2', { markedBad: true }), row('v1')]))).toBe('v1');
    const history = [row('r2', { status: 'RUNNING', isCurrent: true, source: 'ROLLBACK' }), row('r1', { source: 'ROLLBACK' }), row('v2'), row('v1')];
    // r2 replaced r1 and r1 replaced v2: v1 is the one left.
    expect(ids(defaultRollbackTarget(history))).toBe('v1');
  });

  it('is undefined when nothing qualifies, and without a current row takes the newest healthy one', () => {
    expect(defaultRollbackTarget([row('v1', { status: 'RUNNING', isCurrent: true })])).toBeUndefined();
    expect(defaultRollbackTarget([])).toBeUndefined();
    expect(ids(defaultRollbackTarget([row('v2', { status: 'FAILED' }), row('v1')]))).toBe('v1');
  });
});

describe('the refusal messages', () => {
  it('say what the API says for each code', () => {
    expect(rollbackRefusalMessage('ROLLBACK_TARGET_INVALID', { status: 'FAILED' })).toBe('Cannot rollback to a failed deployment');
    expect(rollbackRefusalMessage('ROLLBACK_TARGET_INVALID', { status: 'QUEUED' })).toBe('Cannot rollback to a deployment that is queued');
    expect(rollbackRefusalMessage('ROLLBACK_TARGET_BAD', { status: 'SUCCESS', badReason: '500s' })).toBe('Cannot rollback to a deployment marked bad (500s); unmark it first');
    expect(rollbackRefusalMessage('ROLLBACK_TARGET_CURRENT', { status: 'RUNNING' })).toBe('This deployment is already the current one');
  });
});
