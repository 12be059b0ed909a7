/**
 * Reading the manifests repo's history and files: the walks the git-door importer
 * and crash recovery need (commitsSince, findCommitWithTrailer, isDescendant), the
 * file reads of planning, and the culprit of a conflict. History below the shallow
 * boundary of an http store is fetched on demand, 100 commits at a time.
 */
import type { ChangeInfo, CommitInfo } from './types.js';
import { hasTrailer } from './commit-message.js';
import { MODE_TREE, type ParsedCommit, type TreeEntry } from './objects.js';
import { MissingObjectError, type ObjectStore } from './object-store.js';
import { normPath } from './tree-edit.js';
import type { Remote } from './remote.js';

/** Reads and walks one remote's history. None of these take the adapter's queue: the caller does. */
export interface History {
  /** The text of the file at `path` in `commit` (null: no commit, no such file, or a folder). */
  readAt(commit: string | null, path: string): Promise<string | null>;
  /** The newest commit after `base`, up to `tip`, that changed `path` (tip when none is found within 1000). */
  findCulprit(base: string | null, tip: string, path: string): Promise<string>;
  /** The newest commit up to `tip` that changed `path` (a file or a folder), with its author and subject (null: no commit). */
  lastChange(tip: string | null, path: string): Promise<ChangeInfo | null>;
  /** GitAdapter.readFile: `ref` is a commit sha, or anything else for the remote tip. */
  readFile(ref: string, path: string): Promise<string | null>;
  findCommitWithTrailer(key: string, value: string, o: { maxDepth?: number }): Promise<string | null>;
  commitsSince(since: string | null, o: { max?: number; pathsFor?: (message: string) => boolean }): Promise<CommitInfo[]>;
  /** GitAdapter.changedPaths. */
  changedPaths(sha: string): Promise<string[]>;
  isDescendant(descendant: string, ancestor: string, o: { maxDepth?: number }): Promise<boolean>;
}

/** Creates the history reader of one remote. */
export function createHistory(remote: Remote): History {
  const store: ObjectStore = remote.store;

  async function readAt(commit: string | null, path: string): Promise<string | null> {
    const root = await store.rootOf(commit);
    if (!root) return null;
    const e = await store.entryAt(root, normPath(path));
    if (!e || e.mode === MODE_TREE) return null;
    const o = await store.read(e.oid);
    return o.content.toString('utf8');
  }

  /** Reads a commit, deepening a shallow store when history below it is needed. */
  async function commitDeep(oid: string): Promise<ParsedCommit | null> {
    for (let i = 0; i < 8; i++) {
      try {
        return await store.commit(oid);
      } catch (err) {
        if (!(err instanceof MissingObjectError)) throw err;
        if (!(await remote.deepen(100 * (i + 1)))) return null;
      }
    }
    return null;
  }

  /** Parents of a commit, deepening first when the commit sits on the shallow boundary. */
  async function parentsOf(oid: string): Promise<string[]> {
    if (await remote.isShallow(oid)) await remote.deepen(100);
    const c = await commitDeep(oid);
    if (!c) return [];
    if (await remote.isShallow(oid)) return [];
    return c.parents;
  }

  async function findCulprit(base: string | null, tip: string, path: string): Promise<string> {
    let cur: string | null = tip;
    for (let i = 0; cur && cur !== base && i < 1000; i++) {
      const c = await commitDeep(cur);
      if (!c) break;
      const parent: string | null = (await parentsOf(cur))[0] ?? null;
      const mine = await store.oidAt(c.tree, path);
      const theirs = parent ? await store.oidAt(await store.rootOf(parent), path) : null;
      if (mine !== theirs) return cur;
      cur = parent;
    }
    return tip;
  }

  async function lastChange(tip: string | null, path: string): Promise<ChangeInfo | null> {
    if (!tip) return null;
    const sha = await findCulprit(null, tip, normPath(path));
    const c = await commitDeep(sha);
    if (!c) return null;
    return { sha, author: { name: c.author.name, email: c.author.email }, subject: c.message.split('\n', 1)[0].trim() };
  }

  /** Paths of files that differ between two trees (unsorted). Map lookups only: no per-diff copy of a 10,000-name folder. */
  async function diffTrees(a: string | null, b: string | null, prefix: string, out: string[]): Promise<void> {
    if (a === b) return;
    const ta = a ? await store.tree(a) : null;
    const tb = b ? await store.tree(b) : null;
    const visit = async (ea: TreeEntry | null, eb: TreeEntry | null, name: string) => {
      const path = prefix + name;
      const aTree = ea?.mode === MODE_TREE ? ea.oid : null;
      const bTree = eb?.mode === MODE_TREE ? eb.oid : null;
      if (aTree || bTree) await diffTrees(aTree, bTree, path + '/', out);
      if ((ea && ea.mode !== MODE_TREE) || (eb && eb.mode !== MODE_TREE)) out.push(path);
    };
    for (const ea of ta?.entries ?? []) {
      const j = tb?.byName.get(ea.name);
      const eb = j === undefined ? null : tb!.entries[j];
      if (!eb || eb.oid !== ea.oid || eb.mode !== ea.mode) await visit(ea, eb, ea.name);
    }
    for (const eb of tb?.entries ?? []) if (!ta?.byName.has(eb.name)) await visit(null, eb, eb.name);
  }

  return {
    readAt,
    findCulprit,
    lastChange,

    async readFile(ref, path) {
      const oid = /^[0-9a-f]{40}$/i.test(ref) ? ref : await remote.tip();
      if (!oid) return null;
      return readAt(oid, path);
    },

    async findCommitWithTrailer(key, value, o) {
      const maxDepth = o.maxDepth ?? 500;
      const tip = await remote.tip();
      // Breadth-first by commit time order is overkill here: first parents, then the rest.
      const queue: string[] = tip ? [tip] : [];
      const seen = new Set<string>();
      while (queue.length && seen.size < maxDepth) {
        const oid = queue.shift()!;
        if (seen.has(oid)) continue;
        seen.add(oid);
        const c = await commitDeep(oid);
        if (!c) continue;
        if (hasTrailer(c.message, key, value)) return oid;
        queue.push(...(await parentsOf(oid)));
      }
      return null;
    },

    async commitsSince(since, o) {
      const max = o.max ?? 1000;
      const tip = await remote.tip();
      if (!tip || tip === since) return [];
      // Collect commits reachable from tip and not from `since` (first parents for `since`'s side).
      // `since` and a few of its first-parent ancestors bound the walk (enough for
      // linear history and short-lived merges, without deepening a shallow store far).
      // Only ancestors already in the store: deepening a shallow store for this would hold the
      // adapter (and a rollback queued behind it) for a fetch of 100 commits.
      const stop = new Set<string>();
      if (since) {
        let cur: string | null = since;
        for (let i = 0; cur && i < 50; i++) {
          stop.add(cur);
          if (await remote.isShallow(cur)) break;
          const c: ParsedCommit | null = await store.commit(cur).catch(() => null);
          cur = c?.parents[0] ?? null;
        }
      }
      const order: string[] = [];
      const seen = new Set<string>();
      const stack = [tip];
      while (stack.length && order.length < max) {
        const oid = stack.pop()!;
        if (seen.has(oid) || stop.has(oid)) continue;
        seen.add(oid);
        order.push(oid);
        const ps = await parentsOf(oid);
        for (let i = ps.length - 1; i >= 0; i--) stack.push(ps[i]);
      }
      const out: CommitInfo[] = [];
      for (const oid of order.reverse()) {
        const c = (await commitDeep(oid))!;
        const parents = await parentsOf(oid);
        const changedPaths: string[] = [];
        if (!o.pathsFor || o.pathsFor(c.message)) {
          await diffTrees(parents[0] ? await store.rootOf(parents[0]) : null, c.tree, '', changedPaths);
          changedPaths.sort();
        }
        out.push({ sha: oid, parents: c.parents, author: { name: c.author.name, email: c.author.email, timestamp: c.author.timestamp }, message: c.message, changedPaths });
      }
      return out;
    },

    async changedPaths(sha) {
      const c = await commitDeep(sha);
      if (!c) return [];
      const parents = await parentsOf(sha);
      const out: string[] = [];
      await diffTrees(parents[0] ? await store.rootOf(parents[0]) : null, c.tree, '', out);
      return out.sort();
    },

    async isDescendant(descendant, ancestor, o) {
      if (descendant === ancestor) return true;
      await remote.tip();
      const seen = new Set<string>();
      const queue = [descendant];
      while (queue.length && seen.size < (o.maxDepth ?? 1000)) {
        const oid = queue.shift()!;
        if (oid === ancestor) return true;
        if (seen.has(oid)) continue;
        seen.add(oid);
        queue.push(...(await parentsOf(oid)));
      }
      return false;
    },
  };
}
