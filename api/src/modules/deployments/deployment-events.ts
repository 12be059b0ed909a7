/**
 * Change feed for the history view's live updates. One poller per watched
 * service (not per client) reads the newest rows every `intervalMs` and tells
 * subscribers about rows whose API view changed (status, commit, flags...).
 * Polling works on every database mode, including embedded PGlite where
 * LISTEN is not available; several API replicas each poll on their own.
 */
import type { DeployHoldView, DeploymentView } from '@kubidu/core/contract/deployments';

/** The newest rows of a service and its deploy hold (DeploymentService.recent). */
export interface RecentState {
  rows: DeploymentView[];
  hold: DeployHoldView | null;
}
export type RecentRows = (serviceId: string) => Promise<RecentState>;

/** What a subscriber hears: changed rows, and the hold when it is put in force, replaced or released. */
export interface ChangeListener {
  deployment(d: DeploymentView): void;
  hold?(h: DeployHoldView | null): void;
}

interface Watch {
  listeners: Set<ChangeListener>;
  seen: Map<string, string> | null;
  /** Settles once the first poll (the silent baseline) has read the rows, or failed. */
  baseline: Promise<void>;
  seenHold: string | null;
  timer: NodeJS.Timeout;
  busy: boolean;
}

/** Shared per-service pollers with subscribe/unsubscribe. */
export class DeploymentEvents {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly recent: RecentRows,
    private readonly intervalMs = 500,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Calls `listener` with every changed row (and hold) of the service; returns the unsubscribe function. */
  subscribe(serviceId: string, on: ChangeListener | ((d: DeploymentView) => void)): () => void {
    const listener: ChangeListener = typeof on === 'function' ? { deployment: on } : on;
    let w = this.watches.get(serviceId);
    if (!w) {
      const watch: Watch = {
        listeners: new Set([listener]),
        seen: null,
        seenHold: null,
        busy: false,
        baseline: Promise.resolve(),
        timer: setInterval(() => void this.poll(serviceId, watch), this.intervalMs),
      };
      watch.timer.unref();
      this.watches.set(serviceId, watch);
      watch.baseline = this.poll(serviceId, watch);
      w = watch;
    }
    w.listeners.add(listener);
    const watch = w;
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0) {
        clearInterval(watch.timer);
        if (this.watches.get(serviceId) === watch) this.watches.delete(serviceId);
      }
    };
  }

  /**
   * Settles once the service's baseline has been read. A change after the baseline is
   * reported; one before it is not — so the event route answers a client (who then
   * loads its first page) only after this, and no change falls between the two.
   */
  ready(serviceId: string): Promise<void> {
    return this.watches.get(serviceId)?.baseline ?? Promise.resolve();
  }

  /** How many subscriptions are open (tests check that disconnects clean up). */
  get subscriberCount(): number {
    let n = 0;
    for (const w of this.watches.values()) n += w.listeners.size;
    return n;
  }

  /** Stops every poller (app close). */
  close(): void {
    for (const w of this.watches.values()) clearInterval(w.timer);
    this.watches.clear();
  }

  private async poll(serviceId: string, w: Watch): Promise<void> {
    if (w.busy || w.listeners.size === 0) return;
    w.busy = true;
    try {
      const { rows, hold } = await this.recent(serviceId);
      const first = w.seen === null;
      const holdFp = JSON.stringify(hold);
      const holdChanged = !first && holdFp !== w.seenHold;
      w.seenHold = holdFp;
      const seen = new Map<string, string>();
      const changed: DeploymentView[] = [];
      for (const row of rows) {
        const fp = JSON.stringify(row);
        seen.set(row.id, fp);
        if (!first && w.seen!.get(row.id) !== fp) changed.push(row);
      }
      w.seen = seen;
      // Oldest first, so a client applying events in order ends with the newest state.
      for (const row of changed.reverse()) for (const l of w.listeners) l.deployment(row);
      // After the rows: a rollback's row arrives before the hold it set, a release after nothing.
      if (holdChanged) for (const l of w.listeners) l.hold?.(hold);
    } catch (err) {
      this.onError(err);
    } finally {
      w.busy = false;
    }
  }
}
