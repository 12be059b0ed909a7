/**
 * An http(s) manifests remote: a shallow object store in `cacheDir` (no working tree),
 * first fetched at depth 1, then incrementally, by native `git fetch` in a child
 * process; pushes are one receive-pack POST of exactly the new objects (protocol.ts).
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { Logger } from '@kubidu/core/logger';
import type { GitAdapterOptions } from './types.js';
import { GitAuthError, GitRemoteUnavailableError, GitRepositoryError, redact } from './errors.js';
import { buildPack, writeLoose } from './objects.js';
import { ObjectStore } from './object-store.js';
import { advertisedTip, receivePack, type HttpRemote } from './protocol.js';
import { repackAndPrune } from './maintenance.js';
import type { Remote } from './remote.js';

const execFileAsync = promisify(execFile);
/** A remembered remote tip is built on (while the remote confirms it) when it is at most this old. */
const TRUST_KNOWN_TIP_MS = 30_000;

/** The environment of a native git child: no prompts, no inherited repository, the auth header if any. */
export function childGitEnv(authorization?: string): NodeJS.ProcessEnv {
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

/** Creates the http(s) remote of `opts.url` (credentials from `opts.auth` or the URL's `user:pass@`). */
export function httpRemote(opts: GitAdapterOptions, logger: Logger): Remote {
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
  /**
   * The local copy of what was pushed: the objects' loose files, then the local ref. A push is
   * done when the remote took it; writing two thousand loose objects (a release rollback) took
   * several times as long as the push itself, so it continues after the push returns, in push
   * order. Until then the store reads those objects from memory (`store.writing`), and whatever
   * reads or moves the local ref or prunes (a fetch, a deepen, maintenance) waits for it first:
   * the local ref never names a commit whose objects are not on disk (a crash meanwhile leaves
   * the old ref, and the next fetch brings the objects back).
   */
  let persisting: Promise<void> = Promise.resolve();
  const persisted = () => persisting;

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

  /** Maps a failed native fetch to Kubidu's errors, credentials redacted. */
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
      await persisted();
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
      for (const o of objects) store.writing.set(o.oid, o);
      try {
        await writeLoose(gitdir, objects);
      } finally {
        for (const o of objects) store.writing.delete(o.oid);
      }
    },
    async publish(oldTip, newTip, objects, written) {
      const pack = buildPack(objects);
      known = null;
      await receivePack(remote, opts.branch, oldTip, newTip, pack);
      known = { tip: newTip, at: Date.now() };
      persisting = persisting
        .then(() => written)
        .then(() => setLocalRef(newTip))
        .catch((err) => {
          // The remote has the commit; the local copy is a cache the next fetch refills.
          logger.warn({ err: err instanceof Error ? err.message : String(err), tip: newTip }, 'could not keep a local copy of the pushed commit; the next fetch brings it');
        });
    },
    async deepen(by) {
      await persisted();
      const shallow = await fsp.readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
      if (!shallow.trim()) return false;
      await fetchInto(by, true);
      await store.packsChanged();
      const after = await fsp.readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
      return after !== shallow;
    },
    async isShallow(oid) {
      const s = await fsp.readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
      return s.split('\n').includes(oid);
    },
    async maintain(o) {
      await init();
      await persisted();
      await repackAndPrune(gitdir, o.quiet);
      await store.packsChanged();
    },
  };
}
