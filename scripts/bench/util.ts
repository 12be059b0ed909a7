/** Small helpers every bench section uses: a wall clock, sleep, git on a bare repo, a random pick. */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root (controller child processes run from here). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Milliseconds on the same clock as the timestamps the controller's logger lines are stamped with. */
export const now = () => performance.timeOrigin + performance.now();

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs git in `cwd` and returns stdout (the bench reads the remote's bare repo with it). */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return execFileAsync('git', args, { cwd, maxBuffer: 256 << 20 }).then((r) => r.stdout);
}

/** `count` distinct random indexes below `services` (rollbacks on distinct services). */
export function pick(services: number, count: number): number[] {
  const all = Array.from({ length: services }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, Math.min(count, services));
}

/** Median of a list (NaN when empty). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
