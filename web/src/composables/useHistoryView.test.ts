import { describe, expect, it } from 'vitest';
import { deployment } from '../../test/support/fixtures.js';
import { engineNotes, filterHistory, formatDuration, liveDurations, rowActions } from './useHistoryView.js';

const ENGINE = 'no sync engine is configured (ARGOCD_URL unset), so the deploy ends at the commit';

describe('engineNotes', () => {
  it('says the engine status once and leaves each row only what differs (not its commit, not its warning twice)', () => {
    const rows = [
      deployment({ id: 'f', status: 'FAILED', isCurrent: false, statusMessage: 'Sync failed: health Degraded', warning: null }),
      deployment({
        id: 'c',
        status: 'RUNNING',
        isCurrent: true,
        statusMessage: `Committed 1a2b3c4d to the manifests repo; ${ENGINE}; no Kubernetes cluster configured, so Secret web-secrets-1a2b was not created`,
      }),
      deployment({ id: 'o', status: 'SUCCESS', isCurrent: false, statusMessage: `Committed 9f8e7d6c to the manifests repo; ${ENGINE}; no Kubernetes cluster configured, so Secret web-secrets-9f8e was not created` }),
      deployment({ id: 'g', status: 'SUCCESS', isCurrent: false, source: 'GIT', warning: 'unknown secret reference', statusMessage: `${ENGINE}; unknown secret reference` }),
    ];
    const { shared, own } = engineNotes(rows);
    expect(shared).toEqual([ENGINE, 'no Kubernetes cluster configured, so secrets are not created as Kubernetes Secrets']);
    expect(own.get('c')).toEqual([]);
    expect(own.get('o')).toEqual([]);
    expect(own.get('f')).toEqual(['Sync failed: health Degraded']);
    expect(own.get('g')).toEqual([]);
  });

  it('does not repeat an import failure that is already the warning (once, even when it has "; " inside)', () => {
    const msg = 'Could not read commit 1a2b3c4 by dev: image missing; deployment.yaml unparsable';
    const { own } = engineNotes([deployment({ id: 'u', status: 'FAILED', source: 'GIT', isCurrent: false, statusMessage: msg, warning: msg })]);
    expect(own.get('u')).toEqual([]);
  });
});

describe('liveDurations', () => {
  it('says how long the current one has been live and how long each replaced one was', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const rows = [
      deployment({ id: 'f', status: 'FAILED', isCurrent: false, createdAt: '2026-01-01T11:30:00Z', finishedAt: '2026-01-01T11:31:00Z' }),
      deployment({ id: 'c', status: 'RUNNING', isCurrent: true, createdAt: '2026-01-01T08:59:00Z', finishedAt: '2026-01-01T09:00:00Z' }),
      deployment({ id: 'o', status: 'SUCCESS', isCurrent: false, createdAt: '2026-01-01T08:00:00Z', finishedAt: '2026-01-01T08:40:00Z' }),
    ];
    const live = liveDurations(rows, now);
    expect(live.get('c')).toBe('live for 3 h');
    expect(live.get('o')).toBe('was live for 20 min');
    expect(live.has('f')).toBe(false);
  });

  it('formats durations in words', () => {
    expect(formatDuration(20_000)).toBe('under a minute');
    expect(formatDuration(95 * 60_000)).toBe('1 h 35 min');
    expect(formatDuration(50 * 3600_000)).toBe('2 d 2 h');
  });
});

describe('rowActions', () => {
  it('offers Mark bad only on a replaced deployment that ran, never on the current, a failed or an unfinished one', () => {
    expect(rowActions(deployment({ status: 'SUCCESS', isCurrent: false, canRollback: true, bad: null }))).toEqual({ rollback: true, markBad: true, unmarkBad: false });
    expect(rowActions(deployment({ status: 'RUNNING', isCurrent: true, canRollback: false, bad: null }))).toEqual({ rollback: false, markBad: false, unmarkBad: false });
    expect(rowActions(deployment({ status: 'FAILED', isCurrent: false, canRollback: false, bad: null })).markBad).toBe(false);
    expect(rowActions(deployment({ status: 'DEPLOYING', isCurrent: false, canRollback: false, bad: null })).markBad).toBe(false);
    const bad = { reason: 'x', by: 'a', at: '2026-01-01T00:00:00Z' };
    expect(rowActions(deployment({ status: 'SUCCESS', isCurrent: false, canRollback: false, bad }))).toEqual({ rollback: false, markBad: false, unmarkBad: true });
  });

  it('takes the permissions in one place (role gating)', () => {
    const d = deployment({ status: 'SUCCESS', isCurrent: false, canRollback: true, bad: null });
    expect(rowActions(d, { rollback: false, markBad: false })).toEqual({ rollback: false, markBad: false, unmarkBad: false });
  });
});

describe('filterHistory', () => {
  it('keeps rows by status and by door', () => {
    const rows = [deployment({ id: 'a', status: 'FAILED', door: 'cli' }), deployment({ id: 'b', status: 'RUNNING', door: 'web' }), deployment({ id: 'c', status: 'FAILED', door: 'web' })];
    expect(filterHistory(rows, { status: 'FAILED', door: 'all' }).map((r) => r.id)).toEqual(['a', 'c']);
    expect(filterHistory(rows, { status: 'FAILED', door: 'web' }).map((r) => r.id)).toEqual(['c']);
    expect(filterHistory(rows, { status: 'all', door: 'all' })).toHaveLength(3);
  });
});
