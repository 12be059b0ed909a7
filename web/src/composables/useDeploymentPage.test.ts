import { describe, expect, it } from 'vitest';
import { syncResult } from './useDeploymentPage.js';

describe('syncResult', () => {
  it('says from the ending audit row whether Argo CD synced, failed, or there is no sync engine', () => {
    expect(syncResult('RUNNING', [{ action: 'DEPLOYMENT_RUNNING', data: { sync: 'none' } }])).toMatch(/^not synced: no sync engine/);
    expect(syncResult('RUNNING', [{ action: 'DEPLOYMENT_RUNNING', data: { argoApp: 'shop.web', syncedRevision: '0123456789abcdef' } }])).toBe('synced to 01234567, healthy');
    expect(syncResult('FAILED', [{ action: 'DEPLOYMENT_FAILED', data: {} }])).toMatch(/^failed/);
    expect(syncResult('DEPLOYING', [{ action: 'DEPLOYMENT_COMMITTED', data: {} }])).toBe('not synced yet');
  });
});
