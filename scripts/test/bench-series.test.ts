/**
 * The two pieces of the bench whose mistakes would make its report lie without
 * any timing looking wrong: interleave() (pairs must stay pairs, order must
 * rotate, warm-ups must not count) and the /proc tree sampler (a child's memory
 * must be counted).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { interleave, pairRatios } from '../bench/series.js';
import { treeRss, startTreeRssSampler } from '../bench/rss-sampler.js';
import { sleep } from '../bench/util.js';

describe('interleave', () => {
  it('rotates the order every round, keeps warm-ups out and drops a round whole when a step returns null', async () => {
    const calls: string[] = [];
    const step = (name: string, value: (round: number) => number | null) => async (round: number) => {
      calls.push(`${round}:${name}`);
      return value(round);
    };
    const r = await interleave(
      {
        a: step('a', (round) => (round === 1 ? null : 10 + round)),
        b: step('b', (round) => 20 + round),
      },
      { samples: 4, warmup: 2 },
    );
    expect(calls).toEqual(['-2:a', '-2:b', '-1:b', '-1:a', '0:a', '0:b', '1:b', '1:a', '2:a', '2:b', '3:b', '3:a']);
    expect(r.rounds).toEqual([0, 2, 3]);
    expect(r.samples).toEqual({ a: [10, 12, 13], b: [20, 22, 23] });
    expect(r.dropped).toBe(1);
    expect(r.warmup).toBe(2);
    expect(pairRatios(r.samples.a, r.samples.b)).toEqual([10 / 20, 12 / 22, 13 / 23]);
  });
});

describe('process-tree RSS', () => {
  it('counts the memory of a child process, which the parent’s own VmRSS leaves out', async () => {
    // A child that holds ~64 MB resident, then waits.
    const child = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(64 << 20, 1); setInterval(() => b[0]++, 1000);'], { stdio: 'ignore' });
    try {
      const sampler = startTreeRssSampler(process.pid, 20);
      let childKb = 0;
      for (let i = 0; i < 200 && childKb < 64 * 1024; i++) {
        await sleep(25);
        childKb = treeRss(process.pid).get(child.pid!)?.kb ?? 0;
      }
      expect(childKb).toBeGreaterThanOrEqual(64 * 1024);
      await sleep(100);
      const report = sampler.stop();
      const ownKb = treeRss(process.pid).get(process.pid)!.kb;
      expect(report.samples).toBeGreaterThan(1);
      expect(report.peakChildrenMb).toBeGreaterThanOrEqual(64);
      expect(report.peakSumMb * 1024).toBeGreaterThanOrEqual(ownKb * 0.5 + 64 * 1024);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
