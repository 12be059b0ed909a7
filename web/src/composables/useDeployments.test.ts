import { describe, expect, it } from 'vitest';
import { effectScope, nextTick } from 'vue';
import { createApiClient } from '../api/client.js';
import type { DeploymentView } from '@kubidu/core/contract/deployments';
import { deployment, fakeFetch } from '../../test/support/fixtures.js';
import {
  applyDeploymentEvent,
  mergeDeployments,
  mergeRow,
  parseDeploymentEvent,
  reconcileCurrent,
  useDeployments,
  type EventSourceLike,
} from './useDeployments.js';

const at = (s: number) => new Date(Date.UTC(2026, 1, 1, 0, 0, s)).toISOString();

describe('mergeDeployments (pagination merge)', () => {
  it('appends a page, drops duplicates by id and keeps newest first', () => {
    const a = deployment({ createdAt: at(30) });
    const b = deployment({ createdAt: at(20) });
    const c = deployment({ createdAt: at(10) });
    const merged = mergeDeployments([a, b], [b, c]);
    expect(merged.map((d) => d.id)).toEqual([a.id, b.id, c.id]);
  });

  it("keeps the server's order even where timestamps disagree, and puts newer rows on top", () => {
    const a = deployment({ createdAt: at(1) });
    const b = deployment({ createdAt: at(5) });
    expect(mergeDeployments([], [a, b]).map((d) => d.id)).toEqual([a.id, b.id]);
    const c = deployment({ createdAt: at(0) });
    const d = deployment({ createdAt: at(0) });
    expect(mergeDeployments([a, b], [c, d, a], 'newer').map((x) => x.id)).toEqual([c.id, d.id, a.id, b.id]);
  });

  it('does not let a late page move a row backwards in its lifecycle', () => {
    const live = deployment({ status: 'RUNNING', manifestsCommitSha: 'abc1234' });
    const stale = { ...live, status: 'DEPLOYING' as const, manifestsCommitSha: null };
    const [row] = mergeDeployments([live], [stale]);
    expect(row.status).toBe('RUNNING');
    expect(row.manifestsCommitSha).toBe('abc1234');
  });

  it('on the same status keeps facts the newer copy lacks', () => {
    const withSha = deployment({ status: 'DEPLOYING', manifestsCommitSha: 'abc1234', startedAt: at(5) });
    const without = { ...withSha, manifestsCommitSha: null, startedAt: null, statusMessage: 'syncing' };
    const row = mergeRow(withSha, without);
    expect(row).toMatchObject({ manifestsCommitSha: 'abc1234', startedAt: at(5), statusMessage: 'syncing' });
  });
});

describe('reconcileCurrent', () => {
  it('marks the newest RUNNING row current and offers rollback only to RUNNING/SUCCESS others', () => {
    const rows = [
      deployment({ status: 'QUEUED', createdAt: at(5) }),
      deployment({ status: 'RUNNING', createdAt: at(4) }),
      deployment({ status: 'FAILED', createdAt: at(3) }),
      deployment({ status: 'SUCCESS', createdAt: at(2), isCurrent: true }),
      deployment({ status: 'CANCELLED', createdAt: at(1), canRollback: true }),
    ];
    const out = reconcileCurrent(rows);
    expect(out.map((d) => d.isCurrent)).toEqual([false, true, false, false, false]);
    expect(out.map((d) => d.canRollback)).toEqual([false, false, false, true, false]);
  });

  it('never offers rollback to a row marked bad', () => {
    const rows = [
      deployment({ status: 'RUNNING', createdAt: at(3) }),
      deployment({ status: 'SUCCESS', createdAt: at(2), canRollback: true, bad: { reason: 'leaks', by: 'a', at: at(2) } }),
      deployment({ status: 'SUCCESS', createdAt: at(1) }),
    ];
    expect(reconcileCurrent(rows).map((d) => d.canRollback)).toEqual([false, false, true]);
  });
});

describe('applyDeploymentEvent (SSE merge)', () => {
  it('puts a new row at the top and, when it runs, moves "current" to it', () => {
    const current = deployment({ status: 'RUNNING', createdAt: at(2), isCurrent: true });
    const older = deployment({ status: 'SUCCESS', createdAt: at(1), canRollback: true });
    let rows = mergeDeployments([], [current, older]);
    const fresh = deployment({ status: 'QUEUED', source: 'ROLLBACK', rollbackFromId: older.id, createdAt: at(3) });
    rows = applyDeploymentEvent(rows, fresh, false);
    expect(rows[0].id).toBe(fresh.id);
    expect(rows[1].isCurrent).toBe(true);

    rows = applyDeploymentEvent(rows, { ...fresh, status: 'RUNNING' }, false);
    expect(rows[0]).toMatchObject({ id: fresh.id, status: 'RUNNING', isCurrent: true, canRollback: false });
    expect(rows[1]).toMatchObject({ id: current.id, isCurrent: false, canRollback: true });
    expect(rows).toHaveLength(3);
  });

  it('ignores an update to a row older than everything loaded while more pages exist', () => {
    const rows = [deployment({ createdAt: at(10) })];
    const ancient = deployment({ createdAt: at(1), status: 'FAILED' });
    expect(applyDeploymentEvent(rows, ancient, true)).toBe(rows);
    expect(applyDeploymentEvent(rows, ancient, false)).toHaveLength(2);
  });

  it('parses event data and rejects what is not a deployment', () => {
    const d = deployment();
    expect(parseDeploymentEvent(JSON.stringify(d))?.id).toBe(d.id);
    expect(parseDeploymentEvent('not json')).toBeNull();
    expect(parseDeploymentEvent('{"hello":1}')).toBeNull();
  });
});

/** A hand-written EventSource stand-in the test drives. */
class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  closed = false;
  private listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  emit(type: string, data: unknown) {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  fail(closed: boolean) {
    this.readyState = closed ? 2 : 0;
    this.onerror?.(new Event('error'));
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  await nextTick();
};

describe('useDeployments', () => {
  function setup(pages: DeploymentView[][]) {
    const cursors = pages.map((_, i) => (i + 1 < pages.length ? `c${i + 1}` : null));
    const { fetch, calls } = fakeFetch({
      'GET /api/services/svc-1/deployments': (call) => {
        const cursor = new URL(call.url, 'http://x').searchParams.get('cursor');
        const i = cursor ? Number(cursor.slice(1)) : 0;
        return { status: 200, body: { items: pages[i], nextCursor: cursors[i] } };
      },
    });
    const api = createApiClient({ fetch, getToken: () => 'tok en' });
    const streams: FakeEventSource[] = [];
    const scope = effectScope();
    const h = scope.run(() =>
      useDeployments('svc-1', { api, pageSize: 2, openEventSource: (url) => { const s = new FakeEventSource(url); streams.push(s); return s; } }),
    )!;
    return { h, calls, streams, scope };
  }

  it('loads pages on demand and merges live events by id', async () => {
    const p1 = [deployment({ status: 'RUNNING', createdAt: at(4) }), deployment({ createdAt: at(3) })];
    const p2 = [deployment({ createdAt: at(2) }), deployment({ status: 'FAILED', createdAt: at(1) })];
    const { h, calls, streams, scope } = setup([p1, p2]);
    await h.start();
    expect(h.items.value.map((d) => d.id)).toEqual(p1.map((d) => d.id));
    expect(h.hasMore.value).toBe(true);
    expect(streams[0].url).toBe('/api/services/svc-1/events?access_token=tok+en');

    await Promise.all([h.loadMore(), h.loadMore()]);
    expect(calls.filter((c) => c.url.includes('cursor=c1'))).toHaveLength(1);
    expect(h.items.value).toHaveLength(4);
    expect(h.hasMore.value).toBe(false);

    streams[0].open();
    await flush();
    expect(h.live.value).toBe('live');
    const fresh = deployment({ status: 'QUEUED', source: 'ROLLBACK', rollbackFromId: p1[1].id, createdAt: at(9) });
    streams[0].emit('deployment', fresh);
    streams[0].emit('deployment', { ...fresh, status: 'RUNNING' });
    expect(h.items.value[0]).toMatchObject({ id: fresh.id, status: 'RUNNING', isCurrent: true });
    expect(h.items.value).toHaveLength(5);
    expect(h.current.value?.id).toBe(fresh.id);

    scope.stop();
    expect(streams[0].closed).toBe(true);
  });

  it('keeps the deploy hold from the first page and follows `hold` events (set elsewhere, released elsewhere) without refetching', async () => {
    const hold = { serviceId: 'svc-1', rollbackId: 'rb-1', heldBy: 'ada@example.com', reason: null, createdAt: at(5) };
    const { fetch, calls } = fakeFetch({
      'GET /api/services/svc-1/deployments': () => ({ status: 200, body: { items: [deployment({ status: 'RUNNING' })], nextCursor: null, hold: null } }),
    });
    const streams: FakeEventSource[] = [];
    const scope = effectScope();
    const h = scope.run(() =>
      useDeployments('svc-1', { api: createApiClient({ fetch, getToken: () => 't' }), openEventSource: (url) => { const s = new FakeEventSource(url); streams.push(s); return s; } }),
    )!;
    await h.start();
    expect(h.hold.value).toBeNull();
    streams[0].open();
    await flush();
    const before = calls.length;
    streams[0].emit('deployment', deployment({ status: 'QUEUED', source: 'ROLLBACK', door: 'rollback', via: 'cli', createdAt: at(9) }));
    streams[0].emit('hold', { hold });
    await flush();
    expect(h.hold.value).toEqual(hold);
    streams[0].emit('hold', { hold: { ...hold, serviceId: 'other-svc' } }); // another service's: ignored
    streams[0].emit('hold', 'junk');
    await flush();
    expect(h.hold.value).toEqual(hold);
    streams[0].emit('hold', { hold: null }); // released from the CLI
    await flush();
    expect(h.hold.value).toBeNull();
    expect(calls.length).toBe(before); // all of it from the stream, no refetch
    scope.stop();
  });

  it('falls back to polling when the stream is closed for good', async () => {
    const { h, streams, scope } = setup([[deployment()]]);
    await h.start();
    streams[0].fail(true);
    expect(h.live.value).toBe('polling');
    streams[0].fail(false);
    scope.stop();
    expect(h.live.value).toBe('off');
  });

  it('upsert puts a rollback answer at the top at once', async () => {
    const first = deployment({ status: 'RUNNING', createdAt: at(1) });
    const { h, scope } = setup([[first]]);
    await h.start();
    const created = deployment({ status: 'QUEUED', source: 'ROLLBACK', createdAt: at(2) });
    h.upsert(created);
    expect(h.items.value.map((d) => d.id)).toEqual([created.id, first.id]);
    scope.stop();
  });
});
