/**
 * Memory of a process *and everything it started*: the controller runs native
 * `git fetch` and `git repack` as child processes, whose memory its own VmRSS /
 * VmHWM never shows. Every interval this walks /proc/<pid>/stat for parent
 * links, sums VmRSS over the process tree, and keeps the peak of that sum (and
 * what made it up). A child that lives shorter than the interval can be missed;
 * the report says which interval was used.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** What the sampler saw. */
export interface TreeRssReport {
  intervalMs: number;
  samples: number;
  /** Peak over samples of the sum of VmRSS over the tree (MB). */
  peakSumMb: number;
  /** At that peak: MB per command name (e.g. node 250, git 80). */
  peakByCommand: Record<string, number>;
  /** Peak over samples of the descendants alone (MB), and the most processes seen in the tree at once. */
  peakChildrenMb: number;
  maxProcesses: number;
}

/** A running sampler. */
export interface TreeRssSampler {
  stop(): TreeRssReport;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process exited between the listing and the read
  }
}

/** One look at the tree under `root`: pid → { comm, rss kB }. */
export function treeRss(root: number): Map<number, { comm: string; kb: number }> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOr(`/proc/${name}/stat`);
    if (!stat) continue;
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(name));
    else children.set(ppid, [Number(name)]);
  }
  const out = new Map<number, { comm: string; kb: number }>();
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    const status = readOr(`/proc/${pid}/status`);
    if (status) {
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
      out.set(pid, { comm, kb });
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Starts sampling the tree under `root` every `intervalMs`. */
export function startTreeRssSampler(root: number, intervalMs: number): TreeRssSampler {
  let samples = 0;
  let peakSumKb = 0;
  let peakChildrenKb = 0;
  let maxProcesses = 0;
  let peakByCommand: Record<string, number> = {};
  const tick = () => {
    const tree = treeRss(root);
    if (!tree.has(root)) return;
    samples++;
    let sum = 0;
    for (const p of tree.values()) sum += p.kb;
    const children = sum - tree.get(root)!.kb;
    maxProcesses = Math.max(maxProcesses, tree.size);
    peakChildrenKb = Math.max(peakChildrenKb, children);
    if (sum > peakSumKb) {
      peakSumKb = sum;
      peakByCommand = {};
      for (const p of tree.values()) peakByCommand[p.comm] = (peakByCommand[p.comm] ?? 0) + p.kb / 1024;
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { intervalMs, samples, peakSumMb: peakSumKb / 1024, peakByCommand, peakChildrenMb: peakChildrenKb / 1024, maxProcesses };
    },
  };
}
