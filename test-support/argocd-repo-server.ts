/**
 * The repo-server half of the Argo CD test server: resolves a branch to a commit and renders an
 * app's path at a commit with the real `git` and `kubectl kustomize`, as Argo CD's repo server
 * does. Like Argo CD it keeps one cached clone per remote and fetches it when it resolves a
 * revision, instead of cloning per sync; a local bare repo is read in place.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { requireTool } from './tools.js';

const run = promisify(execFile);
/** kubectl from the PATH (scripts/ensure-system-deps.sh installs it where it is missing). */
/** kubectl on the PATH or in .tools/bin (scripts/ensure-system-deps.sh installs it where missing), looked up when first rendering. */
const kubectl = () => process.env.KUBECTL ?? requireTool('kubectl');

/** What a render produced: the objects `kubectl kustomize` printed for one revision. */
export interface RenderedApp {
  revision: string;
  objects: Array<Record<string, any>>;
  images: string[];
}

/** The repo server's operations; see createRepoServer. */
export interface RepoServer {
  /** Fetches the remote and resolves a branch, tag, HEAD or full sha to a commit sha. */
  resolve(repoURL: string, revision: string): Promise<string>;
  /** The git tree ids of `path` at each sha (what decides Synced vs OutOfSync); '' where it is absent. */
  treesOf(repoURL: string, shas: string[], path: string): Promise<string[]>;
  render(repoURL: string, path: string, sha: string): Promise<RenderedApp>;
  stop(): Promise<void>;
}

/** A thrown error whose message is what Argo CD would show (stderr of the failing tool). */
export class RepoServerError extends Error {}

const errText = (err: unknown) => {
  const e = err as { stderr?: string; message: string };
  return (e.stderr || e.message).trim();
};

/** Builds a repo server with its own cache folder (removed by stop()). */
export function createRepoServer(): RepoServer {
  const caches = new Map<string, Promise<string>>();
  let cacheRoot: Promise<string> | undefined;

  const isLocalBare = (repo: string) => existsSync(join(repo, 'HEAD'));

  /** The git dir to read: the bare repo itself, or a mirror clone made on first use. */
  async function gitDir(repo: string): Promise<string> {
    if (isLocalBare(repo)) return repo;
    let dir = caches.get(repo);
    if (!dir) {
      cacheRoot ??= mkdtemp(join(tmpdir(), 'kubidu-argocd-repo-cache-'));
      dir = cacheRoot.then(async (root) => {
        const d = join(root, String(caches.size));
        await run('git', ['clone', '--quiet', '--mirror', repo, d]);
        return d;
      });
      caches.set(repo, dir);
      dir.catch(() => caches.delete(repo));
    }
    return dir;
  }

  /**
   * One fetch at a time per remote (git locks refs). A caller that arrives while a fetch runs
   * waits for the next one (which sees everything pushed before the caller asked); all callers
   * that arrive meanwhile share that next fetch.
   */
  const running = new Map<string, Promise<void>>();
  const queued = new Map<string, Promise<void>>();
  async function fetch(repo: string): Promise<string> {
    const dir = await gitDir(repo);
    if (dir === repo) return dir;
    const start = () => {
      const f = run('git', ['-C', dir, 'fetch', '--quiet', '--prune', 'origin']).then(() => undefined).finally(() => running.delete(repo));
      running.set(repo, f);
      return f;
    };
    const current = running.get(repo);
    if (!current) {
      await start();
      return dir;
    }
    let next = queued.get(repo);
    if (!next) {
      next = current.catch(() => undefined).then(() => {
        queued.delete(repo);
        return start();
      });
      queued.set(repo, next);
    }
    await next;
    return dir;
  }

  const git = async (dir: string, ...args: string[]) => (await run('git', ['--git-dir', dir, ...args], { maxBuffer: 32 * 1024 * 1024 })).stdout.trim();

  async function hasCommit(dir: string, sha: string): Promise<boolean> {
    return git(dir, 'cat-file', '-e', `${sha}^{commit}`).then(() => true, () => false);
  }

  return {
    async resolve(repo, revision) {
      let dir: string;
      try {
        dir = await fetch(repo);
      } catch (err) {
        throw new RepoServerError(`rpc error: code = Unknown desc = failed to fetch ${repo}: ${errText(err)}`);
      }
      const rev = revision || 'HEAD';
      if (/^[0-9a-f]{40}$/.test(rev)) {
        if (!(await hasCommit(dir, rev))) throw new RepoServerError(`unable to resolve '${rev}' to a commit SHA`);
        return rev;
      }
      for (const ref of rev === 'HEAD' ? ['HEAD'] : [`refs/heads/${rev}`, `refs/tags/${rev}`]) {
        const sha = await git(dir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`).catch(() => '');
        if (sha) return sha;
      }
      throw new RepoServerError(`unable to resolve '${rev}' to a commit SHA`);
    },

    async treesOf(repo, shas, path) {
      const dir = await gitDir(repo);
      // One git call for all; a revision without the path prints its own spec back (absent).
      const out = await run('git', ['--git-dir', dir, 'rev-parse', ...shas.map((sha) => `${sha}:${path}`)]).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
      const lines = out.trim().split('\n');
      return shas.map((sha, i) => (/^[0-9a-f]{40}$/.test(lines[i] ?? '') ? lines[i] : ''));
    },

    async render(repo, path, sha) {
      let dir = await gitDir(repo);
      if (!(await hasCommit(dir, sha))) dir = await fetch(repo);
      const work = await mkdtemp(join(tmpdir(), 'kubidu-argocd-render-'));
      const kustomize = () => run(kubectl(), ['kustomize', join(work, path)], { maxBuffer: 32 * 1024 * 1024 });
      try {
        let stdout: string;
        try {
          // Extract only the app's folder (a full checkout of a 10,000-service repo is 30,000 files
          // per sync). A kustomization that reaches outside its folder fails to render from that
          // alone, so any error falls back to a full checkout, as Argo CD's repo server has.
          await run('bash', ['-o', 'pipefail', '-c', 'git --git-dir="$1" archive --format=tar "$2" -- "$3" | tar -x -C "$4"', 'bash', dir, sha, path, work]);
          ({ stdout } = await kustomize());
        } catch {
          await rm(work, { recursive: true, force: true });
          await run('git', ['clone', '--quiet', '--no-checkout', dir, work]);
          await run('git', ['-C', work, 'checkout', '--quiet', sha]);
          ({ stdout } = await kustomize());
        }
        const objects = parseAllDocuments(stdout).map((d) => d.toJSON()).filter(Boolean);
        const images = objects.flatMap((o: any) => [...(o?.spec?.template?.spec?.containers ?? []), ...(o?.spec?.template?.spec?.initContainers ?? [])].map((c: any) => c.image));
        return { revision: sha, objects, images };
      } catch (err) {
        throw new RepoServerError(errText(err));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },

    async stop() {
      if (cacheRoot) await rm(await cacheRoot.catch(() => ''), { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
