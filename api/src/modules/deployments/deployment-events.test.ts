import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeploymentEvents } from './deployment-events.js';
import type { DeployHoldView, DeploymentView } from '@kubidu/core/contract/deployments';

const row = (id: string, status: DeploymentView['status']) => ({ id, status }) as DeploymentView;
// The pollers run on a fake clock: one tick is exactly one poll interval (10 ms) and the poll it
// starts, however busy the machine is.
const tick = () => vi.advanceTimersByTimeAsync(10);

describe('DeploymentEvents', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports only rows whose view changed, oldest first, after a silent baseline', async () => {
    let rows = [row('b', 'QUEUED'), row('a', 'RUNNING')];
    let polls = 0;
    const events = new DeploymentEvents(async () => (polls++, { rows, hold: null }), 10);
    const seen: string[] = [];
    const off = events.subscribe('svc', (d) => seen.push(`${d.id}:${d.status}`));
    await tick();
    expect(seen).toEqual([]);
    rows = [row('c', 'QUEUED'), row('b', 'RUNNING'), row('a', 'SUCCESS')];
    await tick();
    expect(seen).toEqual(['a:SUCCESS', 'b:RUNNING', 'c:QUEUED']);
    rows = [row('c', 'RUNNING'), row('b', 'RUNNING'), row('a', 'SUCCESS')];
    await tick();
    expect(seen).toEqual(['a:SUCCESS', 'b:RUNNING', 'c:QUEUED', 'c:RUNNING']);
    off();
    const after = polls;
    await tick();
    expect(polls).toBe(after);
    expect(events.subscriberCount).toBe(0);
  });

  it('is ready only once the baseline is read, so a change after ready is reported even when the baseline read is slow', async () => {
    let rows = [row('a', 'RUNNING')];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((r) => (release = r));
    let first = true;
    const events = new DeploymentEvents(async () => {
      // The baseline read is slow (a busy database); later polls answer at once.
      if (first) {
        first = false;
        await slow;
      }
      return { rows, hold: null };
    }, 10);
    const seen: string[] = [];
    events.subscribe('svc', (d) => seen.push(`${d.id}:${d.status}`));
    let ready = false;
    const done = events.ready('svc').then(() => (ready = true));
    await tick();
    expect(ready).toBe(false);
    release();
    await done;
    // The client loads its first page now; a deploy then moves on.
    rows = [row('b', 'RUNNING'), row('a', 'SUCCESS')];
    await tick();
    expect(seen).toEqual(['a:SUCCESS', 'b:RUNNING']);
    await expect(events.ready('other')).resolves.toBeUndefined();
  });

  it('shares one poller per service across subscribers and survives a failing poll', async () => {
    let calls = 0;
    let fail = false;
    const errors: unknown[] = [];
    let rows = [row('a', 'QUEUED')];
    const events = new DeploymentEvents(
      async () => {
        calls++;
        if (fail) throw new Error('db down');
        return { rows, hold: null };
      },
      10,
      (e) => errors.push(e),
    );
    const a: string[] = [];
    const b: string[] = [];
    const offA = events.subscribe('svc', (d) => a.push(d.status));
    const offB = events.subscribe('svc', (d) => b.push(d.status));
    await tick();
    // The baseline read at subscribe plus one interval's read, for both subscribers: a poller each would have read four times.
    expect(calls).toBe(2);
    expect(events.subscriberCount).toBe(2);
    fail = true;
    await tick();
    expect(errors.length).toBeGreaterThan(0);
    fail = false;
    rows = [row('a', 'DEPLOYING')];
    await tick();
    expect(a).toEqual(['DEPLOYING']);
    expect(b).toEqual(['DEPLOYING']);
    offA();
    offB();
    events.close();
  });

  it('tells hold listeners when the deploy hold is set, replaced and released (not at the baseline)', async () => {
    const rows = [row('a', 'RUNNING')];
    let hold: DeployHoldView | null = { serviceId: 'svc', rollbackId: 'r1', heldBy: 'alice@example.com', reason: null, createdAt: '2026-12-01T00:00:00.000Z' } as DeployHoldView;
    const events = new DeploymentEvents(async () => ({ rows, hold }), 10);
    const seen: Array<string | null> = [];
    const off = events.subscribe('svc', { deployment: () => {}, hold: (h) => seen.push(h ? h.rollbackId : null) });
    await tick();
    expect(seen).toEqual([]);
    hold = null;
    await tick();
    hold = { ...({ serviceId: 'svc', heldBy: 'bob@example.com', reason: 'again', createdAt: '2026-12-01T01:00:00.000Z' } as DeployHoldView), rollbackId: 'r2' };
    await tick();
    await tick();
    expect(seen).toEqual([null, 'r2']);
    off();
    events.close();
  });
});
