/**
 * The port the push chain and the history walks use to reach the manifests repo.
 * Two implementations: remote-http.ts (a shallow object store in `cacheDir`, native
 * fetch, one receive-pack POST per push) and remote-local.ts (a local bare repo
 * written in place, the branch moved with `git update-ref`).
 */
import type { RawObject } from './objects.js';
import type { ObjectStore } from './object-store.js';

/** One manifests remote with the object store its commits are read from and written to. */
export interface Remote {
  store: ObjectStore;
  /** Current remote tip, with its objects present in the store. */
  tip(): Promise<string | null>;
  /**
   * The tip to build the first attempt of a push on. With a recent remembered tip (the one
   * this process last saw or pushed) it answers at once and `confirm` carries the remote's
   * real tip, asked for in parallel: the build overlaps the round trip, and nothing is pushed
   * or called a noop before the two agree. Otherwise it is tip().
   */
  planningTip(): Promise<{ tip: string | null; confirm?: Promise<string | null> }>;
  /** Stores the objects and moves the remote branch from old to new (no force). */
  publish(oldTip: string | null, newTip: string, objects: RawObject[], written: Promise<void>): Promise<void>;
  /** Writes objects to the store (before the hook runs / concurrently with the push). */
  write(objects: RawObject[]): Promise<void>;
  /** Fetch more history below the shallow boundary; false when there is none. */
  deepen(by: number): Promise<boolean>;
  /** Does `oid` sit on the shallow boundary (its parents not fetched)? Always false for a full repo. */
  isShallow(oid: string): Promise<boolean>;
  /** Compacts the store; `quiet`: nothing else is running on it (the caller holds the adapter), so prune everything unreachable. */
  maintain(o: { quiet: boolean }): Promise<void>;
}
