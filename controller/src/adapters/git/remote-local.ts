/**
 * A local bare manifests repo (a path or file://, the embedded default): objects are
 * written straight into it and the branch moves with `git update-ref <ref> <new> <old>`,
 * the same lockfile compare-and-swap a concurrent plain `git push` uses.
 */
import * as fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { Logger } from '@kubidu/core/logger';
import type { GitAdapterOptions } from './types.js';
import { GitRejectedError, GitRemoteUnavailableError, GitRepositoryError } from './errors.js';
import { writeLoose } from './objects.js';
import { ObjectStore } from './object-store.js';
import { gcAuto } from './maintenance.js';
import type { Remote } from './remote.js';

const execFileAsync = promisify(execFile);

/** Creates the remote of the local bare repo at `opts.url`. */
export function localRemote(opts: GitAdapterOptions, logger: Logger): Remote {
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
    async isShallow() {
      return false;
    },
    async maintain() {
      await gcAuto(gitdir, logger);
    },
  };
}
