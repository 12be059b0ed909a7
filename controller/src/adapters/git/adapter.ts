/**
 * The manifests repo write path. One commit = the blobs that changed + the
 * trees on their path + the commit, pushed as exactly those objects. Nothing
 * here walks the whole repository, so the cost stays flat as services grow
 * (see DESIGN.md "Measured here").
 *
 * Two remotes:
 * - http(s): a shallow object store in `cacheDir` (no working tree), first
 *   fetched at depth 1, then incrementally; pushes are one receive-pack POST.
 * - a local bare repo (path or file://, the embedded default): objects are
 *   written straight into it and the branch moves with `git update-ref <new> <old>`,
 *   the same lock-and-compare a concurrent plain `git push` uses.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { Logger } from '@kubidu/core/logger';
import type { ChangeBuilder, CommitInfo, CommitResult, FileChange, GitAdapter, GitAdapterOptions, TreeView } from './types.js';
import { GitAuthError, GitConflictError, GitInvalidChangeError, GitRejectedError, GitRemoteUnavailableError, GitRepositoryError, redact } from './errors.js';
import { hasTrailer } from './commit-message.js';
import {
  MODE_FILE,
  MODE_TREE,
  editTree,
  makeObject,
  parseCommit,
  parseTree,
  readLoose,
  serializeCommit,
  writeLoose,
  type ObjectType,
  type ParsedCommit,
  type ParsedTree,
  type TreeEntry,
  type RawObject,
  type TreeEdit,
} from './objects.js';
import { advertisedTip, receivePack, type HttpRemote } from './protocol.js';
import { buildPack } from './objects.js';
import { PackStore } from './packs.js';

const execFileAsync = promisify(execFile);
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const DEFAULT_BOT = { name: 'Kubidu', email: 'bot@kubidu.local' };
/** Raw bytes of trees each tree cache may hold (parsed trees cost several times more in memory). */
const TREE_CACHE_BYTES = 4 * 1024 * 1024;
/** A remembered remote tip is built on (while the remote confirms it) when it is at most this old. */
const TRUST_KNOWN_TIP_MS = 30_000;

/** The environment of a native git child: no prompts, no inherited repository, the auth header if any. */
function childGitEnv(authorization?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Keeps what an operator sets for git's transport (GIT_SSL_CAINFO, proxies); drops what would point it elsewhere.
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|PREFIX|CONFIG_(COUNT|PARAMETERS|KEY_\d+|VALUE_\d+))$/.test(k)) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  if (authorization) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: ${authorization}`;
  }
  return env;
}

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** Reads objects from a git dir (loose objects, then packs read in place: packs.ts) with a parsed-tree cache. */
class ObjectStore {
  private trees = new Map<string, ParsedTree>();
  private rawTrees = new Map<string, Buffer>();
  private rawBytes = 0;
  private treeBytes = 0;
  /** Objects of a batch being built (not written yet): later commits of the batch read earlier ones here. */
  readonly pending = new Map<string, RawObject>();
  private readonly packs: PackStore;
  constructor(readonly gitdir: string) {
    this.packs = new PackStore(gitdir, (oid) => this.readOrNull(oid));
  }

  private async readOrNull(oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
    const p = this.pending.get(oid);
    if (p) return { type: p.type, content: p.content };
    const loose = await readLoose(this.gitdir, oid);
    if (loose) return loose;
    if (oid === EMPTY_TREE) return { type: 'tree', content: Buffer.alloc(0) };
    return this.packs.read(oid);
  }

  async read(oid: string): Promise<{ type: ObjectType; content: Buffer }> {
    const o = await this.readOrNull(oid);
    if (!o) throw new MissingObjectError(oid);
    return o;
  }

  async has(oid: string): Promise<boolean> {
    if (this.pending.has(oid) || oid === EMPTY_TREE) return true;
    try {
      await fsp.access(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
      return true;
    } catch {
      return this.packs.has(oid);
    }
  }

  /** After a fetch or a repack: packs came and went. Parsed trees stay valid (objects are immutable). */
  packsChanged(): Promise<void> {
    return this.packs.refresh();
  }

  /** Remembers a tree we created so the next commit on top of it needs no read. */
  remember(obj: RawObject) {
    if (obj.type !== 'tree') return;
    this.rawTrees.set(obj.oid, obj.content);
    this.rawBytes += obj.content.length;
    // Bounded by count and by bytes: a 10,000-entry folder is ~360 KB per version.
    while (this.rawTrees.size > 64 || (this.rawBytes > TREE_CACHE_BYTES && this.rawTrees.size > 1)) {
      const k = this.rawTrees.keys().next().value as string;
      this.rawBytes -= this.rawTrees.get(k)!.length;
      this.rawTrees.delete(k);
    }
  }

  async tree(oid: string): Promise<ParsedTree> {
    const hit = this.trees.get(oid);
    if (hit) {
      this.trees.delete(oid);
      this.trees.set(oid, hit);
      return hit;
    }
    let raw = this.rawTrees.get(oid);
    if (!raw) {
      const o = await this.read(oid);
      if (o.type !== 'tree') throw new GitRepositoryError(`object ${oid} is a ${o.type}, expected a tree`);
      raw = o.content;
    }
    return this.keepParsed(oid, parseTree(raw));
  }

  /** Adds a parsed tree to the LRU (also used for trees derived from their parent version without a parse). */
  keepParsed(oid: string, t: ParsedTree): ParsedTree {
    if (this.trees.has(oid)) return this.trees.get(oid)!;
    this.trees.set(oid, t);
    this.treeBytes += t.raw.length;
    // A parsed tree costs several times its raw size (an object and strings per entry), so
    // the LRU is bounded by bytes as well as by count: every commit makes a new version of
    // the folder it touches, and at 10,000 services each version is a 10,000-entry tree.
    while (this.trees.size > 256 || (this.treeBytes > TREE_CACHE_BYTES && this.trees.size > 1)) {
      const k = this.trees.keys().next().value as string;
      this.treeBytes -= this.trees.get(k)!.raw.length;
      this.trees.delete(k);
    }
    return t;
  }

  async commit(oid: string): Promise<ParsedCommit> {
    const o = await this.read(oid);
    if (o.type !== 'commit') throw new GitRepositoryError(`object ${oid} is a ${o.type}, expected a commit`);
    return parseCommit(o.content);
  }

  /** The entry (mode + oid) at a path under a root tree, or null. */
  async entryAt(rootTree: string, path: string): Promise<{ mode: string; oid: string } | null> {
    const parts = path.split('/');
    let cur = rootTree;
    for (let i = 0; i < parts.length; i++) {
      const t = await this.tree(cur);
      const idx = t.byName.get(parts[i]);
      if (idx === undefined) return null;
      const e = t.entries[idx];
      if (i === parts.length - 1) return { mode: e.mode, oid: e.oid };
      if (e.mode !== MODE_TREE) return null;
      cur = e.oid;
    }
    return null;
  }
}

class MissingObjectError extends GitRepositoryError {
  constructor(readonly oid: string) {
    super(`object ${oid} is missing from the local object store`);
  }
}

/**
 * The parsed form of `raw` = `tree` with `edits` applied, when every edit only
 * replaces the oid of an existing entry (same name, same mode: same offsets) —
 * the usual case of a service folder changing inside a 10,000-entry folder.
 * Shares the name index and entry objects with the parent version, so the next
 * commit needs no 10,000-entry parse and a cached version costs one array.
 */
function deriveParsed(tree: ParsedTree, edits: Map<string, TreeEdit>, raw: Buffer): ParsedTree | null {
  if (raw.length !== tree.raw.length) return null;
  const entries = tree.entries.slice();
  for (const [name, edit] of edits) {
    const idx = tree.byName.get(name);
    if (idx === undefined || !edit || edit.mode !== entries[idx].mode) return null;
    entries[idx] = { ...entries[idx], oid: edit.oid };
  }
  return { raw, entries, byName: tree.byName };
}

/** Validates and normalises a repo-relative path. */
function normPath(p: string): string {
  const clean = p.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const parts = clean.split('/');
  if (!clean || parts.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
    throw new GitInvalidChangeError(`invalid path in planned commit: ${JSON.stringify(p)}`);
  }
  return clean;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A process-local queue: one commit at a time per adapter (the store has one writer). */
class Mutex {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.last.then(fn, fn);
    this.last = next.catch(() => {});
    return next;
  }
}

interface Remote {
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
  /** Compacts the store; `quiet`: nothing else is running on it (the caller holds the adapter), so prune everything unreachable. */
  maintain(o: { quiet: boolean }): Promise<void>;
}

function httpRemote(opts: GitAdapterOptions, logger: Logger): Remote {
  const u = new URL(opts.url);
  const auth = { ...opts.auth };
  if (u.username || u.password) {
    auth.username ??= decodeURIComponent(u.username);
    auth.password ??= decodeURIComponent(u.password);
    u.username = '';
    u.password = '';
  }
  const url = u.toString().replace(/\/$/, '');
  const headers: Record<string, string> = {};
  const user = auth.token ? auth.username || 'x-access-token' : auth.username;
  const pass = auth.token ?? auth.password;
  if (user !== undefined || pass !== undefined) {
    headers.authorization = 'Basic ' + Buffer.from(`${user ?? ''}:${pass ?? ''}`).toString('base64');
  }
  const secrets = [auth.password, auth.token, headers.authorization?.slice(6)].filter((s): s is string => !!s);
  const remote: HttpRemote = { url, headers, secrets };
  const gitdir = opts.cacheDir;
  const store = new ObjectStore(gitdir);
  const localRef = `refs/heads/${opts.branch}`;
  const remoteRef = `refs/remotes/origin/${opts.branch}`;
  let initialised = false;
  /** The remote tip as last seen (advertisement or our own accepted push), and when. */
  let known: { tip: string | null; at: number } | null = null;

  async function init() {
    if (initialised) return;
    await fsp.mkdir(gitdir, { recursive: true });
    if (!fs.existsSync(join(gitdir, 'HEAD'))) {
      await git.init({ fs, dir: gitdir, bare: true, defaultBranch: opts.branch });
    }
    await fsp.mkdir(join(gitdir, 'objects', 'pack'), { recursive: true });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: url });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: `+refs/heads/${opts.branch}:refs/remotes/origin/${opts.branch}` });
    initialised = true;
  }

  async function setLocalRef(oid: string) {
    await git.writeRef({ fs, gitdir, ref: localRef, value: oid, force: true });
  }

  /**
   * Fetches the branch with native `git fetch` in a child process: git's own
   * index-pack resolves the received pack on disk, so a cold depth-1 fetch of a
   * 10,000-service repo costs the controller no memory (isomorphic-git's fetch
   * inflated the whole pack in the heap). The credentials go in through the
   * child's environment as an http.extraHeader, never its command line.
   */
  async function fetchInto(depth?: number, relative?: boolean): Promise<string | null> {
    const args = [`--git-dir=${gitdir}`, '-c', 'credential.helper=', '-c', 'http.lowSpeedLimit=1', '-c', 'http.lowSpeedTime=60'];
    args.push('fetch', '--quiet', '--no-tags', '--no-auto-gc', '--no-write-fetch-head');
    if (depth) args.push(relative ? `--deepen=${depth}` : `--depth=${depth}`);
    args.push(url, `+refs/heads/${opts.branch}:${remoteRef}`);
    try {
      await execFileAsync('git', args, { env: childGitEnv(headers.authorization), maxBuffer: 4 * 1024 * 1024 });
    } catch (err) {
      throw nativeFetchError(err);
    }
    try {
      return await git.resolveRef({ fs, gitdir, ref: remoteRef });
    } catch {
      return null;
    }
  }

  const nativeFetchError = (err: unknown): Error => {
    const e = err as { code?: string | number; stderr?: string; message?: string };
    if (e.code === 'ENOENT') return new GitRepositoryError('the controller needs the git command on its PATH to fetch the manifests repo (git 2.31 or newer)');
    const said = String(e.stderr ?? '').trim();
    const status = /returned error: (\d{3})/.exec(said)?.[1];
    if (status === '401' || status === '403' || /Authentication failed|could not read (Username|Password)/.test(said)) {
      return new GitAuthError(redact(`the manifests remote ${url} refused the credentials (HTTP ${status ?? 401})`, secrets));
    }
    if (status) return new GitRemoteUnavailableError(redact(`the manifests remote ${url} is unreachable (HTTP ${status})`, secrets));
    const net = /Could not resolve host|Failed to connect|Connection refused|Connection reset|timed out|Empty reply|Recv failure|transfer closed|Operation too slow/i.exec(said)?.[0];
    if (net) return new GitRemoteUnavailableError(redact(`the manifests remote ${url} is unreachable (${net.toLowerCase()})`, secrets));
    const first = said.split('\n').find((l) => l.trim()) ?? e.message ?? String(err);
    return new GitRemoteUnavailableError(redact(`fetching from the manifests remote ${url} failed: ${first.replace(/^fatal: /, '')}`, secrets));
  };

  return {
    store,
    async planningTip() {
      if (known && Date.now() - known.at < TRUST_KNOWN_TIP_MS) {
        const confirm = advertisedTip(remote, 'git-upload-pack', opts.branch);
        confirm.catch(() => {}); // awaited by the caller unless every build failed first
        return { tip: known.tip, confirm };
      }
      return { tip: await this.tip() };
    },
    async tip() {
      await init();
      known = null;
      const tip = await advertisedTip(remote, 'git-upload-pack', opts.branch);
      if (!tip) {
        known = { tip: null, at: Date.now() };
        return null;
      }
      if (await store.has(tip)) {
        await setLocalRef(tip);
        known = { tip, at: Date.now() };
        return tip;
      }
      let cold = true;
      try {
        cold = !(await git.resolveRef({ fs, gitdir, ref: localRef }));
      } catch {
        cold = true;
      }
      const t0 = Date.now();
      const head = await fetchInto(cold ? 1 : undefined);
      await store.packsChanged();
      logger.debug({ ms: Date.now() - t0, cold, tip: head }, 'fetched manifests repo');
      const got = head && (await store.has(head)) ? head : tip;
      if (!(await store.has(got))) throw new GitRepositoryError(`fetch did not bring commit ${got}`);
      await setLocalRef(got);
      known = { tip: got, at: Date.now() };
      return got;
    },
    async write(objects) {
      await init();
      await writeLoose(gitdir, objects);
    },
    async publish(oldTip, newTip, objects, written) {
      const pack = buildPack(objects);
      known = null;
      await Promise.all([receivePack(remote, opts.branch, oldTip, newTip, pack), written]);
      await setLocalRef(newTip);
      known = { tip: newTip, at: Date.now() };
    },
    async deepen(by) {
      const shallow = await fsp.readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
      if (!shallow.trim()) return false;
      await fetchInto(by, true);
      await store.packsChanged();
      const after = await fsp.readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
      return after !== shallow;
    },
    async maintain(o) {
      await init();
      // Safe next to commits in flight: repack keeps loose objects it did not pack, the pack
      // reader rescans when a pack or loose object it knew is gone, and while commits may be in
      // flight only unreachable objects older than an hour are pruned (a rejected attempt's).
      await execFileAsync('git', ['-C', gitdir, '-c', 'pack.threads=1', 'repack', '-a', '-d', '-q']);
      await execFileAsync('git', ['-C', gitdir, 'prune', `--expire=${o.quiet ? 'now' : '1.hour.ago'}`]);
      await store.packsChanged();
    },
  };
}

function localRemote(opts: GitAdapterOptions, logger: Logger): Remote {
  const gitdir = opts.url.startsWith('file://') ? fileURLToPath(opts.url) : opts.url;
  const store = new ObjectStore(gitdir);
  const ref = `refs/heads/${opts.branch}`;
  return {
    store,
    async planningTip() {
      return { tip: await this.tip() };
    },
    async tip() {
      if (!fs.existsSync(join(gitdir, 'HEAD'))) throw new GitRemoteUnavailableError(`the manifests repo ${gitdir} does not exist`);
      try {
        return await git.resolveRef({ fs, gitdir, ref });
      } catch {
        return null;
      }
    },
    async write(objects) {
      await writeLoose(gitdir, objects);
    },
    async publish(oldTip, newTip, _objects, written) {
      await written;
      try {
        await execFileAsync('git', ['-C', gitdir, 'update-ref', '-m', 'kubidu: commit', ref, newTip, oldTip ?? '0'.repeat(40)]);
      } catch (err) {
        const msg = String((err as { stderr?: string }).stderr ?? (err as Error).message);
        if (/expected|lock|exists|is at/.test(msg)) throw new GitRejectedError(msg.trim().split('\n')[0]);
        throw new GitRepositoryError(`could not update ${ref} in ${gitdir}: ${msg.trim().split('\n')[0]}`);
      }
    },
    async deepen() {
      return false;
    },
    async maintain() {
      try {
        await execFileAsync('git', ['-C', gitdir, 'gc', '--auto', '--quiet']);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'git gc --auto on the manifests repo failed');
      }
    },
  };
}

/** Creates the adapter for one manifests repo and branch. */
export function createGitAdapter(opts: GitAdapterOptions): GitAdapter {
  const logger = opts.logger ?? silent;
  const bot = opts.bot ?? DEFAULT_BOT;
  const isHttp = /^https?:\/\//i.test(opts.url);
  const remote = isHttp ? httpRemote(opts, logger) : localRemote(opts, logger);
  const store = remote.store;
  const mutex = new Mutex();
  const maintainEvery = opts.maintainEvery ?? 200;
  let sinceMaintain = 0;

  async function rootOf(commit: string | null): Promise<string | null> {
    if (!commit) return null;
    return (await store.commit(commit)).tree;
  }

  async function readAt(commit: string | null, path: string): Promise<string | null> {
    const root = await rootOf(commit);
    if (!root) return null;
    const e = await store.entryAt(root, normPath(path));
    if (!e || e.mode === MODE_TREE) return null;
    const o = await store.read(e.oid);
    return o.content.toString('utf8');
  }

  async function oidAt(root: string | null, path: string): Promise<string | null> {
    if (!root) return null;
    return (await store.entryAt(root, path))?.oid ?? null;
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

  async function isShallow(oid: string): Promise<boolean> {
    if (!isHttp) return false;
    const s = await fsp.readFile(join(opts.cacheDir, 'shallow'), 'utf8').catch(() => '');
    return s.split('\n').includes(oid);
  }

  /** Parents of a commit, deepening first when the commit sits on the shallow boundary. */
  async function parentsOf(oid: string): Promise<string[]> {
    if (await isShallow(oid)) await remote.deepen(100);
    const c = await commitDeep(oid);
    if (!c) return [];
    if (await isShallow(oid)) return [];
    return c.parents;
  }

  async function findCulprit(base: string | null, tip: string, path: string): Promise<string> {
    let cur: string | null = tip;
    for (let i = 0; cur && cur !== base && i < 1000; i++) {
      const c = await commitDeep(cur);
      if (!c) break;
      const parent: string | null = (await parentsOf(cur))[0] ?? null;
      const mine = await oidAt(c.tree, path);
      const theirs = parent ? await oidAt(await rootOf(parent), path) : null;
      if (mine !== theirs) return cur;
      cur = parent;
    }
    return tip;
  }

  async function buildTree(treeOid: string | null, changes: Map<string, string | null>, out: RawObject[]): Promise<string | null> {
    const tree = treeOid ? await store.tree(treeOid) : null;
    const files = new Map<string, string | null>();
    const dirs = new Map<string, Map<string, string | null>>();
    for (const [p, oid] of changes) {
      const slash = p.indexOf('/');
      if (slash < 0) files.set(p, oid);
      else {
        const d = p.slice(0, slash);
        if (!dirs.has(d)) dirs.set(d, new Map());
        dirs.get(d)!.set(p.slice(slash + 1), oid);
      }
    }
    const edits = new Map<string, TreeEdit>();
    for (const [name, oid] of files) {
      const idx = tree?.byName.get(name);
      const existing = idx === undefined ? null : tree!.entries[idx];
      if (existing?.mode === MODE_TREE) throw new GitInvalidChangeError(`cannot write file ${name}: a folder has that name`);
      if (oid === null) {
        if (existing) edits.set(name, null);
      } else edits.set(name, { mode: existing?.mode ?? MODE_FILE, oid });
    }
    for (const [name, sub] of dirs) {
      const idx = tree?.byName.get(name);
      const existing = idx === undefined ? null : tree!.entries[idx];
      if (existing && existing.mode !== MODE_TREE) throw new GitInvalidChangeError(`cannot write into ${name}/: a file has that name`);
      const newSub = await buildTree(existing?.oid ?? null, sub, out);
      if (newSub === null) {
        if (existing) edits.set(name, null);
      } else if (newSub !== existing?.oid) edits.set(name, { mode: MODE_TREE, oid: newSub });
    }
    if (edits.size === 0) return treeOid;
    const raw = editTree(tree, edits);
    if (raw.length === 0) return null;
    const obj: RawObject = makeObject('tree', raw);
    if (tree && treeOid) {
      obj.deltaBase = { oid: treeOid, content: tree.raw };
      const derived = deriveParsed(tree, edits, raw);
      if (derived) store.keepParsed(obj.oid, derived);
    }
    store.remember(obj);
    out.push(obj);
    return obj.oid;
  }

  interface Queued {
    build: ChangeBuilder;
    maxAttempts: number;
    hooks?: { afterCommitWritten?(sha: string): Promise<void> };
    resolve(r: CommitResult): void;
    reject(err: unknown): void;
  }

  /**
   * One push of one or more queued changes: each keeps its own commit (message,
   * trailers), chained one on the other in arrival order, and the chain goes in
   * one receive-pack request (one compare-and-swap of the branch). Per change:
   * a conflict with outside commits fails that change, a builder that throws
   * fails that change; a rejection rebuilds everything on the new tip; nothing is
   * reported before the push that carries it succeeded. Returns commits pushed.
   */
  async function attemptChain(items: Queued[]): Promise<number> {
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
      const tipRoot = await rootOf(tip);
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
      const chain: Array<{ i: number; sha: string; files: number }> = [];
      const noops: number[] = [];
      const failed = new Set<number>();
      store.pending.clear();
      try {
        for (const i of live) {
          const at = parent;
          const view: TreeView = { tip: at, readFile: (path) => readAt(at, path) };
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
              }
              if (changes.size > 0) {
                const newRoot = (await buildTree(parentRoot, changes, mine)) ?? EMPTY_TREE;
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
          if (commit) chain.push({ i, sha: commit.oid, files });
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
          logger.info({ attempt, reason: err.reason, batch: chain.length }, 'push rejected; rebuilding on the new tip');
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
          logger.info({ sha: c.sha, attempt, files: c.files, batch: chain.length, ms }, 'manifests commit pushed');
          items[c.i].resolve({ sha: c.sha, noop: false, attempts: attempt, pushed: true });
        }
        for (const i of noops) items[i].resolve({ sha: null, noop: true, attempts: attempt, pushed: false });
        return chain.length;
      } finally {
        store.pending.clear();
      }
    }
  }

  let maintaining: Promise<void> | null = null;
  /**
   * Every `maintainEvery` pushed commits, compact the store in the background: a repack of a
   * 10,000-service store takes seconds, and a rollback must not queue behind it.
   */
  async function afterPushed(n: number) {
    if (n > 0 && maintainEvery > 0 && (sinceMaintain += n) >= maintainEvery && !maintaining) {
      sinceMaintain = 0;
      maintaining = remote
        .maintain({ quiet: false })
        .catch((err) => logger.warn({ err: (err as Error).message }, 'manifests cache maintenance failed; the store stays as it is until the next one'))
        .finally(() => (maintaining = null));
    }
  }

  const maxBatch = Math.max(1, opts.maxBatch ?? 1);
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

  const adapter: GitAdapter = {
    commitAndPush(build, o = {}) {
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
    },

    findCommitWithTrailer(key, value, o = {}) {
      return mutex.run(async () => {
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
      });
    },

    readFile(ref, path) {
      return mutex.run(async () => {
        const oid = /^[0-9a-f]{40}$/i.test(ref) ? ref : await remote.tip();
        if (!oid) return null;
        return readAt(oid, path);
      });
    },

    fetchTip() {
      return mutex.run(() => remote.tip());
    },

    commitsSince(since, o = {}) {
      return mutex.run(async () => {
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
            if (await isShallow(cur)) break;
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
            await diffTrees(parents[0] ? await rootOf(parents[0]) : null, c.tree, '', changedPaths);
            changedPaths.sort();
          }
          out.push({ sha: oid, parents: c.parents, author: { name: c.author.name, email: c.author.email, timestamp: c.author.timestamp }, message: c.message, changedPaths });
        }
        return out;
      });
    },

    isDescendant(descendant, ancestor, o: { maxDepth?: number } = {}) {
      return mutex.run(async () => {
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
      });
    },

    listDir(ref, dir) {
      return mutex.run(async () => {
        const oid = /^[0-9a-f]{40}$/i.test(ref) ? ref : await remote.tip();
        const root = await rootOf(oid);
        if (!root) return null;
        const d = dir.replace(/^\/+|\/+$/g, '');
        const e = d ? await store.entryAt(root, normPath(d)) : { mode: MODE_TREE, oid: root };
        if (!e || e.mode !== MODE_TREE) return null;
        const t = await store.tree(e.oid);
        return t.entries.map((x) => ({ name: x.name, type: x.mode === MODE_TREE ? ('tree' as const) : ('blob' as const) }));
      });
    },

    maintain() {
      return mutex.run(async () => {
        await maintaining;
        await remote.maintain({ quiet: true });
      });
    },
  };

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

  return adapter;
}
