/**
 * One writer per object store: every adapter call runs in turn on one queue, and with
 * `maxBatch > 1` the commitAndPush calls that wait while a push is in flight go out
 * together as one chain (push-chain.ts).
 */
import type { ChangeBuilder, CommitResult } from './types.js';
import type { Queued } from './push-chain.js';

/** A process-local queue: one commit at a time per adapter (the store has one writer). */
export class Mutex {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.last.then(fn, fn);
    this.last = next.catch(() => {});
    return next;
  }
}

/** What the queue needs: the adapter's mutex, the chain that pushes, and what runs after a push. */
export interface CommitQueueDeps {
  mutex: Mutex;
  maxBatch: number;
  attemptChain(items: Queued[]): Promise<number>;
  afterPushed(n: number): Promise<void>;
}

/** Creates GitAdapter.commitAndPush on top of the queue. */
export function createCommitQueue({ mutex, maxBatch, attemptChain, afterPushed }: CommitQueueDeps) {
  const queued: Queued[] = [];
  let draining = false;

  /** Takes what is queued (up to maxBatch) as one push; runs again while more is queued. */
  function drain() {
    draining = true;
    void mutex.run(async () => {
      const batch = queued.splice(0, maxBatch);
      try {
        if (batch.length > 0) await afterPushed(await attemptChain(batch));
      } catch (err) {
        for (const q of batch) q.reject(err);
      } finally {
        if (queued.length > 0) drain();
        else draining = false;
      }
    });
  }

  return function commitAndPush(build: ChangeBuilder, o: { maxAttempts?: number; hooks?: Queued['hooks'] } = {}): Promise<CommitResult> {
    return new Promise<CommitResult>((resolve, reject) => {
      const q: Queued = { build, maxAttempts: o.maxAttempts ?? 10, hooks: o.hooks, resolve, reject };
      if (maxBatch > 1 && !o.hooks) {
        queued.push(q);
        if (!draining) drain();
        return;
      }
      void mutex.run(async () => {
        try {
          await afterPushed(await attemptChain([q]));
        } catch (err) {
          q.reject(err); // the attempt itself threw (e.g. the remote is unreachable while reading its tip)
        }
      });
    });
  };
}
