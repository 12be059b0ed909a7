/**
 * A service's deployment history as the page shows it: pages loaded on demand,
 * rows merged by id (a page, a rollback answer and a live event may all carry
 * the same row), kept newest first, and kept live through the service's event
 * stream — falling back to polling when the stream cannot be held open.
 */
import { computed, onScopeDispose, ref, shallowRef, type Ref } from 'vue';
import { ApiError, type ApiClient } from '../api/client.js';
import type { DeployHoldView, DeploymentStatus, DeploymentView } from '@kubidu/core/contract/deployments';
import { canRollback as canRollbackTo } from '@kubidu/core/contract/rollback-rule';

/** How far along its lifecycle a status is; a merge never moves a row backwards. */
const STATUS_RANK: Record<DeploymentStatus, number> = {
  QUEUED: 0,
  DEPLOYING: 1,
  RUNNING: 2,
  SUCCESS: 3,
  FAILED: 3,
  CANCELLED: 3,
};


/** Newest first by creation time, id as a tie-break; only used to place rows the server has not ordered (pure). */
export function compareNewestFirst(a: DeploymentView, b: DeploymentView): number {
  const d = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (d !== 0) return d;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Chooses between two versions of one row: the one further along its lifecycle
 * wins (a late page must not undo a live update); on a tie the incoming one wins,
 * keeping facts only the other one knows (commit sha, timestamps, message).
 */
export function mergeRow(existing: DeploymentView, incoming: DeploymentView): DeploymentView {
  if (STATUS_RANK[incoming.status] < STATUS_RANK[existing.status]) return existing;
  if (STATUS_RANK[incoming.status] > STATUS_RANK[existing.status]) return incoming;
  return {
    ...incoming,
    manifestsCommitSha: incoming.manifestsCommitSha ?? existing.manifestsCommitSha,
    startedAt: incoming.startedAt ?? existing.startedAt,
    finishedAt: incoming.finishedAt ?? existing.finishedAt,
    statusMessage: incoming.statusMessage ?? existing.statusMessage,
  };
}

/**
 * Marks the current deployment ("the newest RUNNING one", as the contract defines
 * it) and who can be rolled back to, from the rows at hand (newest first). Keeps
 * the flags right when a live event moves one row without re-sending the others (pure).
 */
export function reconcileCurrent(rows: DeploymentView[]): DeploymentView[] {
  const current = rows.find((r) => r.status === 'RUNNING');
  return rows.map((r) => {
    const isCurrent = current ? r.id === current.id : false;
    // The API's rule, re-applied to the rows at hand.
    const canRollback = canRollbackTo({ status: r.status, isCurrent, markedBad: Boolean(r.bad) });
    return r.isCurrent === isCurrent && r.canRollback === canRollback ? r : { ...r, isCurrent, canRollback };
  });
}

/**
 * Merges rows into the list by id, keeping the server's order (its insertion
 * sequence, which timestamps do not always match). Known rows are updated in
 * place; unknown ones go after everything for an older page (`'older'`), or
 * before everything for rows that are new since the list was loaded (`'newer'`:
 * live events, a rollback's answer, a refreshed first page), in the order given (pure).
 */
export function mergeDeployments(existing: DeploymentView[], incoming: DeploymentView[], where: 'older' | 'newer' = 'older'): DeploymentView[] {
  const index = new Map(existing.map((d, i) => [d.id, i]));
  const out = existing.slice();
  const fresh: DeploymentView[] = [];
  const seen = new Set<string>();
  for (const d of incoming) {
    if (seen.has(d.id)) continue;
    seen.add(d.id);
    const i = index.get(d.id);
    if (i === undefined) fresh.push(d);
    else out[i] = mergeRow(out[i], d);
  }
  return reconcileCurrent(where === 'newer' ? [...fresh, ...out] : [...out, ...fresh]);
}

/**
 * Applies one live event. A row we have is updated in place; a row we do not
 * have is new and goes on top — unless it is older than everything loaded while
 * more pages exist, i.e. an update deep in unloaded history, left for its page (pure).
 */
export function applyDeploymentEvent(rows: DeploymentView[], event: DeploymentView, hasMore: boolean): DeploymentView[] {
  const known = rows.some((r) => r.id === event.id);
  const oldest = rows[rows.length - 1];
  if (!known && hasMore && oldest && compareNewestFirst(event, oldest) > 0) return rows;
  return mergeDeployments(rows, [event], 'newer');
}

/** Parses an SSE `data:` payload into a Deployment, or null when it is not one (pure). */
export function parseDeploymentEvent(data: string): DeploymentView | null {
  try {
    const d = JSON.parse(data) as Partial<DeploymentView>;
    if (d && typeof d.id === 'string' && typeof d.status === 'string' && typeof d.createdAt === 'string') {
      return d as DeploymentView;
    }
  } catch {
    /* not JSON: ignore */
  }
  return null;
}

/** A `hold` event's data: `{ "hold": DeployHoldView | null }`; undefined when it is not that shape. */
export function parseHoldEvent(data: string): DeployHoldView | null | undefined {
  try {
    const v = JSON.parse(data) as { hold?: Partial<DeployHoldView> | null };
    if (v && v.hold === null) return null;
    if (v && v.hold && typeof v.hold.rollbackId === 'string' && typeof v.hold.createdAt === 'string') return v.hold as DeployHoldView;
  } catch {
    /* not JSON: ignore */
  }
  return undefined;
}

/** The subset of EventSource the history uses, so tests can hand in a fake. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting' | 'polling';

export interface UseDeploymentsOptions {
  api: ApiClient;
  pageSize?: number;
  /** Opens the live stream; defaults to the browser's EventSource, null disables live updates. */
  openEventSource?: ((url: string) => EventSourceLike) | null;
  /** Poll period when the stream is unavailable. */
  pollMs?: number;
}

/** The history composable the service view uses. */
export function useDeployments(serviceId: Ref<string> | string, opts: UseDeploymentsOptions) {
  const api = opts.api;
  const pageSize = opts.pageSize ?? 20;
  const pollMs = opts.pollMs ?? 5000;
  const openEventSource =
    opts.openEventSource === undefined
      ? typeof EventSource === 'undefined'
        ? null
        : (url: string) => new EventSource(url) as unknown as EventSourceLike
      : opts.openEventSource;
  const id = () => (typeof serviceId === 'string' ? serviceId : serviceId.value);

  const items = ref<DeploymentView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = shallowRef<ApiError | null>(null);
  const live = ref<LiveState>('off');
  /** The deploy hold in force (from the first page; refreshed with it). */
  const hold = shallowRef<DeployHoldView | null>(null);
  const hasMore = computed(() => loaded.value && nextCursor.value !== null);
  const current = computed(() => items.value.find((d) => d.isCurrent) ?? null);

  let stream: EventSourceLike | null = null;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let generation = 0;

  function toError(err: unknown): ApiError {
    return err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
  }

  /** Loads the first page afresh (also used after a reconnect to catch missed events). */
  async function refresh(): Promise<void> {
    const gen = generation;
    loading.value = true;
    try {
      const page = await api.listDeployments(id(), { limit: pageSize });
      if (gen !== generation) return;
      items.value = mergeDeployments(items.value, page.items, 'newer');
      hold.value = page.hold ?? null;
      if (!loaded.value) nextCursor.value = page.nextCursor;
      loaded.value = true;
      error.value = null;
    } catch (err) {
      if (gen === generation) error.value = toError(err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  /** Loads the next page; concurrent calls (observer + button) collapse into one. */
  async function loadMore(): Promise<void> {
    if (loading.value || !hasMore.value) return;
    const gen = generation;
    loading.value = true;
    try {
      const page = await api.listDeployments(id(), { limit: pageSize, cursor: nextCursor.value });
      if (gen !== generation) return;
      items.value = mergeDeployments(items.value, page.items);
      nextCursor.value = page.nextCursor;
      error.value = null;
    } catch (err) {
      if (gen === generation) error.value = toError(err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  /** Puts a row the page already has (e.g. the rollback's 202 answer) at its place at once. */
  function upsert(d: DeploymentView): void {
    items.value = mergeDeployments(items.value, [d], 'newer');
  }

  /**
   * Replaces one known row as the server now has it, whatever its status (a bad
   * mark or its removal changes no status, so mergeRow's lifecycle rule does not apply).
   */
  function replace(d: DeploymentView): void {
    items.value = reconcileCurrent(items.value.map((r) => (r.id === d.id ? { ...r, ...d } : r)));
  }

  function startPolling() {
    if (pollTimer) return;
    live.value = 'polling';
    pollTimer = setInterval(() => void refresh(), pollMs);
  }

  function stopLive() {
    stream?.close();
    stream = null;
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
    live.value = 'off';
  }

  /** Opens the event stream; every `deployment` event is merged by id. */
  function connect(): void {
    stopLive();
    if (!openEventSource) {
      startPolling();
      return;
    }
    live.value = 'connecting';
    // The first open also refreshes: events between the first page and the stream are not lost.
    let dropped = true;
    const es = openEventSource(api.eventsUrl(id()));
    stream = es;
    es.addEventListener('deployment', (ev) => {
      const d = parseDeploymentEvent(ev.data);
      if (!d || (d.serviceId && d.serviceId !== id())) return;
      items.value = applyDeploymentEvent(items.value, d, hasMore.value);
    });
    // A rollback made elsewhere (CLI, another tab) sets a deploy hold; a release anywhere lifts it.
    es.addEventListener('hold', (ev) => {
      const h = parseHoldEvent(ev.data);
      if (h === undefined || (h && h.serviceId && h.serviceId !== id())) return;
      hold.value = h;
    });
    es.onopen = () => {
      live.value = 'live';
      if (dropped) void refresh();
      dropped = false;
    };
    es.onerror = () => {
      dropped = true;
      if (es.readyState === 2) {
        es.close();
        if (stream === es) stream = null;
        startPolling();
      } else {
        live.value = 'reconnecting';
      }
    };
  }

  /** Loads the first page and goes live; called by the view on mount and on service change. */
  async function start(): Promise<void> {
    generation++;
    stopLive();
    items.value = [];
    nextCursor.value = null;
    loaded.value = false;
    error.value = null;
    loading.value = false;
    await refresh();
    connect();
  }

  onScopeDispose(() => {
    generation++;
    stopLive();
  });

  return { items, nextCursor, hasMore, loaded, loading, error, live, current, hold, start, refresh, loadMore, upsert, replace, stop: stopLive };
}
