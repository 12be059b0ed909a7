/**
 * Keeping the local object store bounded: `git repack` + `git prune` (or `git gc --auto`
 * for a local bare repo), run in the background every so many pushed commits so that
 * no rollback queues behind a repack of a 10,000-service store (2–3 s).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '@kubidu/core/logger';
import type { Remote } from './remote.js';

const execFileAsync = promisify(execFile);

/**
 * One pack, no loose objects: `git repack -a -d` on one thread, then prune what is unreachable.
 * Safe next to commits in flight: repack keeps loose objects it did not pack, the pack
 * reader rescans when a pack or loose object it knew is gone, and while commits may be in
 * flight (`quiet` false) only unreachable objects older than an hour are pruned (a rejected attempt's).
 */
export async function repackAndPrune(gitdir: string, quiet: boolean): Promise<void> {
  await execFileAsync('git', ['-C', gitdir, '-c', 'pack.threads=1', 'repack', '-a', '-d', '-q']);
  await execFileAsync('git', ['-C', gitdir, 'prune', `--expire=${quiet ? 'now' : '1.hour.ago'}`]);
}

/** A local bare repo is the operator's: git's own `gc --auto` decides, and a failure is only logged. */
export async function gcAuto(gitdir: string, logger: Logger): Promise<void> {
  try {
    await execFileAsync('git', ['-C', gitdir, 'gc', '--auto', '--quiet']);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'git gc --auto on the manifests repo failed');
  }
}

/** The background schedule of one adapter's maintenance. */
export interface Maintenance {
  /** Counts pushed commits; every `every` of them, starts a maintenance run in the background (one at a time). */
  afterPushed(n: number): Promise<void>;
  /** Waits for a background run, then maintains with nothing else running (the caller holds the adapter). */
  now(): Promise<void>;
}

/** Creates the schedule; `every` 0 never maintains in the background. */
export function createMaintenance(remote: Remote, every: number, logger: Logger): Maintenance {
  let sinceMaintain = 0;
  let maintaining: Promise<void> | null = null;
  return {
    async afterPushed(n) {
      if (n > 0 && every > 0 && (sinceMaintain += n) >= every && !maintaining) {
        sinceMaintain = 0;
        maintaining = remote
          .maintain({ quiet: false })
          .catch((err) => logger.warn({ err: (err as Error).message }, 'manifests cache maintenance failed; the store stays as it is until the next one'))
          .finally(() => (maintaining = null));
      }
    },
    async now() {
      await maintaining;
      await remote.maintain({ quiet: true });
    },
  };
}
