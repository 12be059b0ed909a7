/**
 * Native git doing the same kind of change Kubidu does — one service's
 * kustomization.yaml in the same 10,000-entry folder, on the same remote, on top
 * of the same tip — so a ratio against Kubidu compares like with like.
 *
 * The native commits go to side branches of the remote (`bench-native-push`,
 * `bench-native-porcelain`), each built on main's current tip: receive-pack does
 * the same work as for a push to main (the objects of one commit, and a
 * connectivity check against every ref), while Kubidu's own branch, its git door
 * and the Argo CD apps never see them, so they do not disturb the next Kubidu
 * sample (a native commit on main would make Kubidu rebuild on a moved tip).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceFilePaths } from '../../controller/src/manifests/index.js';
import { benchDir, PROJECT, run, serviceName } from './repo.js';

const PUSH_REF = 'refs/heads/bench-native-push';
const PORCELAIN_REF = 'refs/heads/bench-native-porcelain';

/** A full clone with a working tree, cached next to the generated repos (reset to the remote's main). */
export async function persistentClone(services: number, history: number, url: string, kind: string): Promise<string> {
  const root = benchDir();
  const dir = join(root, `clone-${kind}-s${services}-h${history}`);
  if (!existsSync(join(dir, '.git'))) {
    rmSync(dir, { recursive: true, force: true });
    await run(root, 'git', ['clone', '-q', url, dir]);
  } else {
    await run(dir, 'git', ['remote', 'set-url', 'origin', url]);
  }
  await run(dir, 'git', ['fetch', '-q', 'origin']);
  await run(dir, 'git', ['reset', '-q', '--hard', 'origin/main']);
  return dir;
}

/** Gives a random service's kustomization.yaml a new image tag (the one-file change); returns its path. */
export function bumpFile(dir: string, services: number, k: number): string {
  const svc = serviceName(Math.floor(Math.random() * services));
  const path = serviceFilePaths(PROJECT, svc).kustomization;
  const text = readFileSync(join(dir, path), 'utf8').replace(/newTag: "[^"]*"/, `newTag: "9.${process.pid}.${Date.now()}.${k}"`);
  writeFileSync(join(dir, path), text);
  return path;
}

/** Native git's two ways to make Kubidu's change: the bare `git push` of a prepared commit, and porcelain. */
export interface NativeWriter {
  /** Prepares (untimed) a one-file commit on the remote's current main; returns the ms of `git push` alone. */
  push(): Promise<number>;
  /** Times what a person or a CI script does: pull --rebase, edit, add, commit, push. */
  porcelain(): Promise<number>;
}

/** Opens (or reuses) the two clones native git works in for a repo of `services` services. */
export async function openNativeWriter(services: number, history: number, url: string): Promise<NativeWriter> {
  const pushDir = await persistentClone(services, history, url, 'native');
  const porcelainDir = await persistentClone(services, history, url, 'porcelain');
  let k = 0;
  return {
    async push() {
      await run(pushDir, 'git', ['fetch', '-q', 'origin', 'main']);
      await run(pushDir, 'git', ['reset', '-q', '--hard', 'FETCH_HEAD']);
      const p = bumpFile(pushDir, services, k++);
      await run(pushDir, 'git', ['commit', '-q', '-m', 'native push', '--', p]);
      const t0 = performance.now();
      await run(pushDir, 'git', ['push', '-q', '-f', 'origin', `HEAD:${PUSH_REF}`]);
      return performance.now() - t0;
    },
    async porcelain() {
      // Drop the previous sample's commit (it went to the side branch): the clone is where it was
      // after its last pull, so the timed pull fetches what Kubidu pushed since, as a person's would.
      await run(porcelainDir, 'git', ['reset', '-q', '--hard', 'refs/remotes/origin/main']);
      const t0 = performance.now();
      await run(porcelainDir, 'git', ['pull', '-q', '--rebase', 'origin', 'main']);
      const p = bumpFile(porcelainDir, services, k++);
      await run(porcelainDir, 'git', ['add', p]);
      await run(porcelainDir, 'git', ['commit', '-q', '-m', 'native porcelain']);
      await run(porcelainDir, 'git', ['push', '-q', '-f', 'origin', `HEAD:${PORCELAIN_REF}`]);
      return performance.now() - t0;
    },
  };
}
