/**
 * The contract between the controller and the manifests repo. The claim loop
 * only ever sees these types; how objects reach the remote is the adapter's job.
 */
import type { Logger } from '@kubidu/core/logger';

/** One file to write (content) or delete (null), path relative to the repo root. */
export interface FileChange { path: string; content: string | null } // null = delete
/** What one deployment wants committed. */
export interface PlannedCommit { files: FileChange[]; message: string; author?: {name: string; email: string} }
/** The newest commit that changed a path: who made it and what it says (naming the culprit of a broken folder). */
export interface ChangeInfo { sha: string; author: {name: string; email: string}; subject: string }
/** Read access to one tip of the branch while planning a commit. */
export interface TreeView {
  tip: string | null;
  readFile(path: string): Promise<string | null>;
  /** The blob id at `path` on this tip, without reading the blob (null when absent or a folder). */
  oidOf(path: string): Promise<string | null>;
  /** The newest commit up to this tip that changed `path` (file or folder); null on an empty branch. */
  lastChange(path: string): Promise<ChangeInfo | null>;
}
/** Called on the current tip (and again on a new tip after a rejected push); null = nothing to change. */
export type ChangeBuilder = (view: TreeView) => Promise<PlannedCommit | null>;
/** Outcome of commitAndPush: the commit now on the remote (or null for a noop). */
export interface CommitResult { sha: string | null; noop: boolean; attempts: number; pushed: boolean }
/** One commit as the git-door importer sees it. */
export interface CommitInfo { sha: string; parents: string[]; author: {name: string; email: string; timestamp: number}; message: string; changedPaths: string[] }

export interface GitAdapter {
  /** Build on the remote tip, write only the changed objects, push exactly those (no force). On non-fast-forward: fetch, re-run build on the new tip, retry with jitter (bounded). If commits that arrived since our base touched any of our paths → throw GitConflictError naming that commit (terminal). Empty change (rendered state equals tip) → noop, no commit. */
  commitAndPush(build: ChangeBuilder, opts?: { maxAttempts?: number; hooks?: { afterCommitWritten?(sha: string): Promise<void> } }): Promise<CommitResult>;
  // Note: calls on one adapter are queued (one writer per store), so `build` and hooks must not call back into the adapter.
  /** Newest commit reachable from the remote tip whose message has trailer `key: value` (walk at most maxDepth commits, default 500). Used for crash recovery. */
  findCommitWithTrailer(key: string, value: string, opts?: { maxDepth?: number }): Promise<string | null>;
  readFile(ref: string, path: string): Promise<string | null>;
  /** Fetch and return the remote tip sha (null for an empty repo). */
  fetchTip(): Promise<string | null>;
  /**
   * Commits from `since` (exclusive) to the tip, oldest first, with sha, parents, author, message, and changed paths — for the git-door importer.
   * `pathsFor(message)` false: that commit's changedPaths stay empty (the importer skips Kubidu's own commits by message, and
   * diffing each of them through a 10,000-entry folder was most of the controller's garbage).
   */
  commitsSince(since: string | null, opts?: { max?: number; pathsFor?: (message: string) => boolean }): Promise<CommitInfo[]>;
  /**
   * The paths one commit changed against its first parent, sorted: for a commit whose `Kubidu-Deployment`
   * trailer the database does not vouch for (commitsSince skipped its diff by message).
   */
  changedPaths(sha: string): Promise<string[]>;
  /** Is `ancestor` an ancestor of (or equal to) `descendant`? (walks at most maxDepth commits, default 1000; false beyond) */
  isDescendant(descendant: string, ancestor: string, opts?: { maxDepth?: number }): Promise<boolean>;
  /** Compacts the local object store (bounded cache); run automatically every so many commits. */
  maintain(): Promise<void>;
}

/** Options for createGitAdapter. */
export interface GitAdapterOptions {
  /** http(s) URL or a local path/file:// to a bare repo */
  url: string;
  branch: string;
  cacheDir: string;
  auth?: { username?: string; password?: string; token?: string };
  logger?: Logger;
  bot?: { name: string; email: string };
  /** Run `maintain()` after this many pushed commits (default 200; 0 = never). */
  maintainEvery?: number;
  /**
   * Up to this many commitAndPush calls waiting on this adapter go out as one push:
   * each keeps its own commit (message, trailers), chained in arrival order, and the
   * chain moves the branch in one compare-and-swap (default 1 = one push per commit).
   */
  maxBatch?: number;
}
