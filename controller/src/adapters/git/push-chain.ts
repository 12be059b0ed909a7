/**
 * One push of one or more changes: plan each on the tip, write only the objects it
 * needs, chain the commits, and move the branch in one compare-and-swap. A rejection
 * rebuilds on the new tip; a path someone else changed since our base is a conflict.
 */
import type { Logger } from '@kubidu/core/logger';
import type { ChangeBuilder, CommitResult, FileChange, TreeView } from './types.js';
import { GitConflictError, GitRejectedError } from './errors.js';
import { parseTrailers, TRAILER_DEPLOYMENT } from './commit-message.js';
import { makeObject, MODE_TREE, serializeCommit, type RawObject } from './objects.js';
import { EMPTY_TREE } from './object-store.js';
import { buildTree, normPath } from './tree-edit.js';
import type { History } from './history.js';
import type { Remote } from './remote.js';

/** One commitAndPush call waiting for its push: what to build, and how to answer. */
export interface Queued {
  build: ChangeBuilder;
  maxAttempts: number;
  hooks?: { afterCommitWritten?(sha: string): Promise<void> };
  resolve(r: CommitResult): void;
  reject(err: unknown): void;
}

/** What the push chain works with. */
export interface PushChainDeps {
  remote: Remote;
  history: History;
  bot: { name: string; email: string };
  logger: Logger;
}

/** The `Kubidu-Deployment` trailer of a commit object, so push log lines name the deployment they carry. */
function deploymentOf(commit: RawObject): string | undefined {
  return parseTrailers(commit.content.toString('utf8'))[TRAILER_DEPLOYMENT]?.[0];
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Creates `attemptChain(items)`: one push of one or more queued changes. Each keeps its own
 * commit (message, trailers), chained one on the other in arrival order, and the chain goes in
 * one receive-pack request (one compare-and-swap of the branch). Per change: a conflict with
 * outside commits fails that change, a builder that throws fails that change; a rejection
 * rebuilds everything on the new tip; nothing is reported before the push that carries it
 * succeeded. Returns the number of commits pushed. The caller holds the adapter's queue.
 */
export function createPushChain({ remote, history, bot, logger }: PushChainDeps): (items: Queued[]) => Promise<number> {
  const store = remote.store;
  const { readAt, findCulprit, lastChange } = history;
  const oidAt = (root: string | null, path: string) => store.oidAt(root, path);

  return async function attemptChain(items: Queued[]): Promise<number> {
    let base: string | null | undefined;
    let baseRoot: string | null = null;
    const ourPaths = items.map(() => new Set<string>());
    let live = items.map((_, i) => i);
    let verify = false;
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now();
      const planned: { tip: string | null; confirm?: Promise<string | null> } = attempt === 1 && !verify ? await remote.planningTip() : { tip: await remote.tip() };
      const tip = planned.tip;
      const tTip = performance.now();
      const tipRoot = await store.rootOf(tip);
      if (base === undefined) {
        base = tip;
        baseRoot = tipRoot;
      } else if (tip !== base) {
        const still: number[] = [];
        for (const i of live) {
          let conflict: GitConflictError | null = null;
          for (const p of ourPaths[i]) {
            if ((await oidAt(baseRoot, p)) !== (await oidAt(tipRoot, p))) {
              conflict = new GitConflictError(await findCulprit(base, tip!, p), p);
              break;
            }
          }
          if (conflict) items[i].reject(conflict);
          else still.push(i);
        }
        live = still;
        if (live.length === 0) return 0;
      }
      let parent = tip;
      let parentRoot = tipRoot;
      const objects: RawObject[] = [];
      const chain: Array<{ i: number; sha: string; files: number; deploymentId?: string }> = [];
      const noops: number[] = [];
      const failed = new Set<number>();
      store.pending.clear();
      try {
        for (const i of live) {
          const at = parent;
          const atRoot = parentRoot;
          const view: TreeView = {
            tip: at,
            readFile: (path) => readAt(at, path),
            oidOf: async (path) => {
              if (!atRoot) return null;
              const e = await store.entryAt(atRoot, normPath(path));
              return e && e.mode !== MODE_TREE ? e.oid : null;
            },
            lastChange: (path) => lastChange(at, path),
          };
          let commit: RawObject | null = null;
          let files = 0;
          try {
            const plan = await items[i].build(view);
            if (plan) {
              const changes = new Map<string, string | null>();
              const mine: RawObject[] = [];
              for (const f of plan.files as FileChange[]) {
                const p = normPath(f.path);
                ourPaths[i].add(p);
                const current = await oidAt(parentRoot, p);
                if (f.content === null) {
                  if (current !== null) changes.set(p, null);
                  continue;
                }
                const blob = makeObject('blob', Buffer.from(f.content, 'utf8'));
                if (blob.oid === current) continue;
                changes.set(p, blob.oid);
                mine.push(blob);
                store.remember(blob);
              }
              if (changes.size > 0) {
                const newRoot = (await buildTree(store, parentRoot, changes, mine)) ?? EMPTY_TREE;
                if (newRoot === EMPTY_TREE) mine.push(makeObject('tree', Buffer.alloc(0)));
                commit = makeObject(
                  'commit',
                  serializeCommit({ tree: newRoot, parents: parent ? [parent] : [], author: plan.author ?? bot, committer: bot, timestamp: Math.floor(Date.now() / 1000), message: plan.message }),
                );
                mine.push(commit);
                for (const o of mine) store.pending.set(o.oid, o);
                objects.push(...mine);
                files = changes.size;
                parent = commit.oid;
                parentRoot = newRoot;
              }
            }
          } catch (err) {
            items[i].reject(err);
            failed.add(i);
            continue;
          }
          if (commit) chain.push({ i, sha: commit.oid, files, deploymentId: deploymentOf(commit) });
          else noops.push(i);
        }
        live = live.filter((i) => !failed.has(i));
        if (planned.confirm && (await planned.confirm) !== tip) {
          // The remote moved since the tip we remembered: plan again on the real one, as if we had
          // read it first (the same base, conflicts and noops as without the shortcut).
          verify = true;
          attempt--;
          base = undefined;
          for (const p of ourPaths) p.clear();
          continue;
        }
        if (chain.length === 0) {
          for (const i of noops) items[i].resolve({ sha: null, noop: true, attempts: attempt, pushed: false });
          return 0;
        }
        const tBuilt = performance.now();
        const written = remote.write(objects);
        written.catch(() => undefined); // a rejected push does not wait for it; the remote reports it where it does
        // Fault-injection hooks (tests; never batched): the commit is in the store, not yet pushed.
        for (const c of chain) {
          const hook = items[c.i].hooks?.afterCommitWritten;
          if (!hook) continue;
          await written;
          await hook(c.sha);
        }
        try {
          await remote.publish(tip, parent!, objects, written);
        } catch (err) {
          if (!(err instanceof GitRejectedError)) {
            for (const i of live) items[i].reject(err);
            return 0;
          }
          logger.info({ deploymentIds: chain.map((c) => c.deploymentId), attempt, reason: err.reason, batch: chain.length }, 'push rejected; rebuilding on the new tip');
          const still: number[] = [];
          for (const i of live) {
            if (attempt >= items[i].maxAttempts) items[i].reject(err);
            else still.push(i);
          }
          live = still;
          if (live.length === 0) return 0;
          await sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));
          continue;
        }
        const tDone = performance.now();
        const ms = { tip: Math.round(tTip - t0), build: Math.round(tBuilt - tTip), push: Math.round(tDone - tBuilt) };
        for (const c of chain) {
          logger.info({ deploymentId: c.deploymentId, sha: c.sha, attempt, files: c.files, batch: chain.length, ms }, 'manifests commit pushed');
          items[c.i].resolve({ sha: c.sha, noop: false, attempts: attempt, pushed: true });
        }
        for (const i of noops) items[i].resolve({ sha: null, noop: true, attempts: attempt, pushed: false });
        return chain.length;
      } finally {
        store.pending.clear();
      }
    }
  };
}
