/**
 * The manifests repo write path, wired. One commit = the blobs that changed + the
 * trees on their path + the commit, pushed as exactly those objects. Nothing walks
 * the whole repository, so the cost stays flat as services grow (see DESIGN.md
 * "Measured here"). The parts, each in its own file (README.md has the tour):
 *
 * - remote-http.ts / remote-local.ts: the two remotes behind the `Remote` port (remote.ts)
 * - object-store.ts: loose objects, packs and the tree caches; tree-edit.ts: the new trees of a commit
 * - push-chain.ts: plan, build, compare-and-swap, rebuild on rejection; commit-queue.ts: one writer, batching
 * - history.ts: file reads and history walks; maintenance.ts: repack/prune in the background
 */
import type { Logger } from '@kubidu/core/logger';
import type { GitAdapter, GitAdapterOptions } from './types.js';
import { createCommitQueue, Mutex } from './commit-queue.js';
import { createHistory } from './history.js';
import { createMaintenance } from './maintenance.js';
import { createPushChain } from './push-chain.js';
import { httpRemote } from './remote-http.js';
import { localRemote } from './remote-local.js';

const DEFAULT_BOT = { name: 'Kubidu', email: 'bot@kubidu.local' };
const silent: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** Creates the adapter for one manifests repo and branch. */
export function createGitAdapter(opts: GitAdapterOptions): GitAdapter {
  const logger = opts.logger ?? silent;
  const bot = opts.bot ?? DEFAULT_BOT;
  const remote = /^https?:\/\//i.test(opts.url) ? httpRemote(opts, logger) : localRemote(opts, logger);
  const mutex = new Mutex();
  const history = createHistory(remote);
  const maintenance = createMaintenance(remote, opts.maintainEvery ?? 200, logger);
  const commitAndPush = createCommitQueue({
    mutex,
    maxBatch: Math.max(1, opts.maxBatch ?? 1),
    attemptChain: createPushChain({ remote, history, bot, logger }),
    afterPushed: (n) => maintenance.afterPushed(n),
  });

  return {
    commitAndPush,
    findCommitWithTrailer: (key, value, o = {}) => mutex.run(() => history.findCommitWithTrailer(key, value, o)),
    readFile: (ref, path) => mutex.run(() => history.readFile(ref, path)),
    fetchTip: () => mutex.run(() => remote.tip()),
    commitsSince: (since, o = {}) => mutex.run(() => history.commitsSince(since, o)),
    changedPaths: (sha) => mutex.run(() => history.changedPaths(sha)),
    isDescendant: (descendant, ancestor, o = {}) => mutex.run(() => history.isDescendant(descendant, ancestor, o)),
    maintain: () => mutex.run(() => maintenance.now()),
  };
}
