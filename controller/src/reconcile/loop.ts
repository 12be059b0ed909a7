/**
 * The claim loop: wakes on NOTIFY (or an in-process wake, or a slow poll), claims
 * what it can, and runs each claimed deployment as its own task. Holds no state
 * that another replica would need: rows, leases and advisory locks live in Postgres.
 */
import type { DeploymentStore } from '../store/deployment-store.js';
import type { Logger } from '@kubidu/core/logger';
import { errorMessage } from '../errors.js';
import type { ClaimedRelease } from '../store/release-store.js';

/** The in-flight key of a release task (deployment tasks are keyed by their id). */
const RELEASE_KEY = 'release:';

export interface LoopOptions {
  store: DeploymentStore;
  deployOne(id: string): Promise<void>;
  workerId: string;
  leaseMs: number;
  pollMs: number;
  claimBatch: number;
  /** Upper bound of deployments in flight in this process. */
  maxInFlight: number;
  logger: Logger;
  /** Release rollbacks (issue 20): claimed as one and run as one task (one commit for all their rows). */
  releases?: {
    claim(): Promise<ClaimedRelease | null>;
    run(rel: ClaimedRelease): Promise<void>;
    /** Hands the leases of releases still running back at shutdown (their ids handed back). */
    releaseLeases(ids: string[]): Promise<string[]>;
  };
}

export interface Loop {
  wake(): void;
  /**
   * Claims nothing more, gives the steps in flight `graceMs` to finish, then hands
   * the leases of those still running back (store.releaseLeases) so another replica
   * resumes them at once rather than after the lease timeout.
   */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when nothing is queued for us and nothing is in flight (tests, benchmarks). */
  inFlight(): number;
}

export function startLoop(opts: LoopOptions): Loop {
  const inFlight = new Map<string, Promise<void>>();
  let stopped = false;
  let wakeResolve: (() => void) | null = null;
  let wakePending = false;
  let backoffMs = 0;

  function wake() {
    wakePending = true;
    wakeResolve?.();
  }

  function waitForWake(ms: number): Promise<void> {
    if (wakePending) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wakeResolve = null;
        resolve();
      }
      wakeResolve = done;
    });
  }

  const running = (async () => {
    while (!stopped) {
      wakePending = false;
      const capacity = opts.maxInFlight - inFlight.size;
      if (capacity > 0) {
        try {
          const claimed = await opts.store.claim(opts.workerId, opts.leaseMs, Math.min(capacity, opts.claimBatch));
          backoffMs = 0;
          for (const c of claimed) {
            if (inFlight.has(c.id)) continue;
            const task = opts
              .deployOne(c.id)
              .catch((err) => opts.logger.error({ deploymentId: c.id, err: errorMessage(err) }, 'deployment task failed'))
              .finally(() => {
                inFlight.delete(c.id);
                wake();
              });
            inFlight.set(c.id, task);
          }
          if (opts.releases && opts.maxInFlight - inFlight.size > 0) {
            const rel = await opts.releases.claim();
            if (rel && !inFlight.has(`${RELEASE_KEY}${rel.id}`)) {
              const key = `${RELEASE_KEY}${rel.id}`;
              const task = opts.releases
                .run(rel)
                .catch((err) => opts.logger.error({ releaseId: rel.id, err: errorMessage(err) }, 'release task failed'))
                .finally(() => {
                  inFlight.delete(key);
                  wake();
                });
              inFlight.set(key, task);
              continue;
            }
          }
          if (claimed.length > 0) continue; // there may be more
        } catch (err) {
          backoffMs = Math.min(30_000, Math.max(500, backoffMs * 2));
          opts.logger.warn({ err: errorMessage(err) }, `claim failed (database unavailable?); retrying in ${backoffMs} ms`);
        }
      }
      await waitForWake(backoffMs || opts.pollMs);
    }
  })();

  return {
    wake,
    inFlight: () => inFlight.size,
    async stop(graceMs = 5000) {
      stopped = true;
      wake();
      await running;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight.values()]),
        new Promise((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
      // In-flight keys are deployment ids, and `release:<id>` for a release task.
      const keys = [...inFlight.keys()];
      const unfinished = keys.filter((k) => !k.startsWith(RELEASE_KEY));
      const releases = keys.filter((k) => k.startsWith(RELEASE_KEY)).map((k) => k.slice(RELEASE_KEY.length));
      if (unfinished.length > 0) {
        try {
          const released = await opts.store.releaseLeases(unfinished, opts.workerId);
          for (const id of released) opts.logger.info({ deploymentId: id }, 'shutting down: lease handed back before the step finished');
        } catch (err) {
          opts.logger.warn({ err: errorMessage(err), deploymentIds: unfinished }, 'shutting down: could not hand the leases back; they expire on their own');
        }
      }
      if (releases.length > 0 && opts.releases) {
        try {
          const released = await opts.releases.releaseLeases(releases);
          for (const id of released) opts.logger.info({ releaseId: id }, 'shutting down: release lease handed back before it finished');
        } catch (err) {
          opts.logger.warn({ err: errorMessage(err), releaseIds: releases }, 'shutting down: could not hand the release leases back; they expire on their own');
        }
      }
    },
  };
}
