/**
 * Section 6: a controller's memory after many rollbacks at the largest size —
 * counted over the controller process and its git children (native fetch,
 * repack), sampled through the whole run, with the Argo CD test server as its
 * sync engine unless the run says otherwise (BENCH_RSS_SYNC=0).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './options.js';
import { startStack } from './setup.js';
import { advanceTarget, ended, rollback, waitRows } from './fleet.js';
import { spawnController, warmChildren } from './controller-child.js';
import { startTreeRssSampler, type TreeRssReport } from './rss-sampler.js';
import { now, pick } from './util.js';

/** Section 6's figures. */
export interface RssResult {
  services: number;
  rollbacks: number;
  /** Rollbacks fired at once per wave (distinct services). */
  wave: number;
  /** The sync engine the controller used: 'Argo CD test server' or 'none'. */
  sync: string;
  /** The controller process alone, at the end: VmRSS and VmHWM (its own peak). */
  rssMb: number;
  hwmMb: number;
  /** The controller and its descendants, sampled from spawn to the end. */
  tree: TreeRssReport;
  /** Time the sampler ran (spawn → end), for the effective sampling rate. */
  sampledMs: number;
  wallMs: number;
  /** The controller's local object store after the run: bytes, packs, loose objects. */
  cache: { mb: number; packs: number; loose: number };
}

function storeSize(gitdir: string): { mb: number; packs: number; loose: number } {
  let bytes = 0;
  let packs = 0;
  let loose = 0;
  // The controller may be writing or repacking while we look: a file that vanishes is skipped, not fatal.
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.includes('.tmp-')) {
        try {
          bytes += statSync(p).size;
        } catch {
          continue;
        }
        if (e.name.endsWith('.pack')) packs++;
        else if (/\/objects\/[0-9a-f]{2}$/.test(d)) loose++;
      }
    }
  };
  walk(gitdir);
  return { mb: bytes / 2 ** 20, packs, loose };
}

/** Section 6 at `services`: waves of rollbacks on distinct services, memory sampled throughout. */
export async function benchRss(o: BenchOptions, services: number, log: (m: string) => void): Promise<RssResult> {
  const s = await startStack(o, services, { argo: o.rssSync, controller: false });
  const child = spawnController(s, 'controller-rss');
  const tSampler = now();
  const sampler = startTreeRssSampler(child.proc.pid!, o.rssIntervalMs);
  let tree: TreeRssReport | null = null;
  try {
    await child.ready;
    await warmChildren(s, [child]);
    const wave = Math.min(100, services);
    let done = 0;
    const t0 = now();
    while (done < o.rssRollbacks) {
      const n = Math.min(wave, o.rssRollbacks - done);
      const idx = pick(services, n);
      const ids = await Promise.all(idx.map((i) => rollback(s, i)));
      await waitRows(s.ds, ids, ended, 900_000);
      for (const [k, i] of idx.entries()) await advanceTarget(s, i, ids[k]);
      done += n;
    }
    const wallMs = now() - t0;
    const m = child.rss();
    tree = sampler.stop();
    const sampledMs = now() - tSampler;
    const cache = storeSize(join(child.dataDir, 'controller-cache'));
    const sync = s.argo ? 'Argo CD test server' : 'none — this run measured without one (BENCH_RSS_SYNC=0)';
    log(`  RSS after ${done} rollbacks at ${services} services (sync: ${sync}): controller ${m.rssMb.toFixed(0)} MB (its peak ${m.hwmMb.toFixed(0)} MB); with git children peak ${tree.peakSumMb.toFixed(0)} MB over ${tree.samples} samples; object store ${cache.mb.toFixed(1)} MB in ${cache.packs} packs + ${cache.loose} loose`);
    return { services, rollbacks: done, wave, sync, rssMb: m.rssMb, hwmMb: m.hwmMb, tree, sampledMs, wallMs, cache };
  } finally {
    if (!tree) sampler.stop();
    await child.stop();
    await s.stop();
  }
}
