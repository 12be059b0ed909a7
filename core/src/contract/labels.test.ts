import { describe, expect, it } from 'vitest';
import { doorLabel, onlyLabel, revertLabel, shortId } from './labels.js';

describe('history labels (web and CLI)', () => {
  it('names the door, a rollback with its client', () => {
    expect(doorLabel({ door: 'api', via: 'api' })).toBe('API');
    expect(doorLabel({ door: 'cli', via: 'cli' })).toBe('CLI');
    expect(doorLabel({ door: 'web', via: 'web' })).toBe('web');
    expect(doorLabel({ door: 'rollback', via: 'web' })).toBe('Rollback (web)');
    expect(doorLabel({ door: 'rollback', via: 'cli' })).toBe('Rollback (CLI)');
    expect(doorLabel({ door: 'rollback', via: 'api' })).toBe('Rollback (API)');
    expect(doorLabel({ door: 'rollback', via: null })).toBe('Rollback');
    expect(doorLabel({ door: 'git', via: null })).toBe('git');
  });

  it('says what a git revert undid, and what a partial rollback restored', () => {
    const id = '1a2b3c4d-0000-4000-8000-000000000000';
    expect(revertLabel({ revertsDeploymentId: id, revertsSource: 'ROLLBACK' })).toBe('Reverted rollback 1a2b3c4d');
    expect(revertLabel({ revertsDeploymentId: id, revertsSource: 'GIT' })).toBe('Reverted git change 1a2b3c4d');
    expect(revertLabel({ revertsDeploymentId: id, revertsSource: 'API' })).toBe('Reverted deploy 1a2b3c4d');
    expect(revertLabel({ revertsDeploymentId: null, revertsSource: null })).toBeNull();
    expect(onlyLabel({ rollbackOnly: 'config' })).toBe('(config only)');
    expect(onlyLabel({ rollbackOnly: 'image' })).toBe('(image only)');
    expect(onlyLabel({ rollbackOnly: null })).toBe('');
    expect(shortId(id)).toBe('1a2b3c4d');
    expect(shortId(null)).toBe('');
  });
});
