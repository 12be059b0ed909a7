import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client.js';
import type { AuditView } from '@kubidu/core/contract/audit';
import { fakeFetch } from '../../test/support/fixtures.js';
import { describeAuditAction, formatAuditData, mergeAuditRows, useAudit } from './useAudit.js';

const row = (id: string, action = 'DEPLOYMENT_ROLLBACK'): AuditView => ({
  id, createdAt: '2026-01-01T00:00:00Z', actor: 'ada@example.com', actorId: 'u', action, projectId: 'p', serviceId: 's', deploymentId: 'd', data: {},
});

describe('audit helpers', () => {
  it('describes actions in words and keeps unknown ones readable', () => {
    expect(describeAuditAction('DEPLOYMENT_ROLLBACK')).toBe('started a rollback');
    expect(describeAuditAction('SOMETHING_NEW')).toBe('something new');
  });
  it('merges pages without duplicates and clips data', () => {
    expect(mergeAuditRows([row('1'), row('2')], [row('2'), row('3')]).map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(formatAuditData({ targetId: 'abc', reason: 'x'.repeat(100), nothing: null })).toBe(`targetId=abc reason=${'x'.repeat(77)}…`);
  });
});

describe('useAudit', () => {
  it('asks for the project and follows the cursor', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/audit': (c) =>
        c.url.includes('cursor=n1')
          ? { status: 200, body: { items: [row('b')], nextCursor: null } }
          : { status: 200, body: { items: [row('a')], nextCursor: 'n1' } },
    });
    const audit = useAudit('proj 1', { api: createApiClient({ fetch, getToken: () => 't' }) });
    await audit.refresh();
    await audit.loadMore();
    expect(audit.items.value.map((r) => r.id)).toEqual(['a', 'b']);
    expect(audit.nextCursor.value).toBeNull();
    expect(calls[0].url).toBe('/api/audit?projectId=proj+1&limit=50');
  });
});
