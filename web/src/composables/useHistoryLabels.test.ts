import { describe, expect, it } from 'vitest';
import { deployment } from '../../test/support/fixtures.js';
import { doorLabel, holdText, onlyLabel, revertLabel } from './useHistoryLabels.js';

describe('history labels', () => {
  it('names the door the way the CLI does', () => {
    expect(doorLabel({ door: 'api', via: 'api' })).toBe('API');
    expect(doorLabel({ door: 'cli', via: 'cli' })).toBe('CLI');
    expect(doorLabel({ door: 'rollback', via: 'web' })).toBe('Rollback (web)');
    expect(doorLabel({ door: 'rollback', via: 'cli' })).toBe('Rollback (CLI)');
    expect(doorLabel({ door: 'rollback', via: null })).toBe('Rollback');
    expect(doorLabel({ door: 'git', via: null })).toBe('git');
  });

  it('says what a git revert undid, and what a partial rollback restored', () => {
    const id = '1a2b3c4d-0000-4000-8000-000000000000';
    expect(revertLabel(deployment({ revertsDeploymentId: id, revertsSource: 'ROLLBACK' }))).toBe('Reverted rollback 1a2b3c4d');
    expect(revertLabel(deployment({ revertsDeploymentId: id, revertsSource: 'API' }))).toBe('Reverted deploy 1a2b3c4d');
    expect(revertLabel(deployment())).toBeNull();
    expect(onlyLabel({ rollbackOnly: 'config' })).toBe('(config only)');
    expect(onlyLabel({ rollbackOnly: null })).toBe('');
  });

  it('puts the hold in words, with who and why', () => {
    expect(holdText({ serviceId: 's', rollbackId: '1a2b3c4d-0000-4000-8000-000000000000', heldBy: 'ada@example.com', reason: 'v2 broke', createdAt: '2026-01-01T00:00:00Z' })).toBe(
      'Deploys are held: rollback 1a2b3c4d by ada@example.com is in force (v2 broke). New deploys answer 409 until someone releases the hold.',
    );
  });
});
