import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_STATUSES } from './enums.js';
import { canRollback, rollbackRefusal } from './rollback-rule.js';

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
