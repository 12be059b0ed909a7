/**
 * Section 1: claim → commit pushed and API call → sync requested, through the
 * real API, controller, remote and Argo CD test server — measured in the same
 * rounds as native git making the same kind of change to the same remote, so
 * the relative budgets (≤ 1.25× a native push, ≥ 2× faster than porcelain) are
 * ratios of pairs taken under the same load.
 */
import type { Stats } from './series.js';
import { interleave, pairRatios, stats } from './series.js';
import type { BenchOptions } from './options.js';
import { startStack, type Stack } from './setup.js';
import { advanceTarget, ended, rollback, waitRows } from './fleet.js';
import { openNativeWriter } from './native-git.js';
import { git, median, now, pick, sleep } from './util.js';

/** One size's section-1 figures. Kubidu, native push and porcelain series are index-aligned (same rounds). */
export interface PipelineRow {
  services: number;
  warmup: number;
  claimToPushed: Stats;
  apiToSync: Stats;
  nativePush: Stats;
  porcelain: Stats;
  /** Median over rounds of claim→pushed / native push of the same round. */
  pushRatio: number;
  /** Median over rounds of porcelain / claim→pushed of the same round. */
  porcelainRatio: number;
  /** adapter breakdown (tip / build / push) p50 of the timed samples */
  breakdown: { tip: number; build: number; push: number };
  /** How many files each timed Kubidu commit changed → how many commits (the native ones change one). */
  filesChanged: Record<number, number>;
  /** Timed rounds whose rollback FAILED. */
  failed: number;
  /** Timed rounds dropped whole (a FAILED rollback, or no push/sync seen for it). */
  dropped: number;
}

function syncArrival(s: Stack, id: string): number | null {
  for (const a of s.argoArrivals) {
    if (a.log.method !== 'POST' || !a.log.path.endsWith('/sync')) continue;
    const infos = (a.log.body as { infos?: Array<{ name: string; value: string }> } | undefined)?.infos;
    if (infos?.some((x) => x.name === 'Kubidu-Deployment' && x.value === id)) return a.at;
  }
  return null;
}

/** One Kubidu sample: a rollback POST on service i, waited for until RUNNING (synced). */
async function kubiduSample(s: Stack, i: number, log: (m: string) => void) {
  const t0 = now();
  const id = await rollback(s, i);
  let tSync: number | null = null;
  const until = Date.now() + 120_000;
  while ((tSync = syncArrival(s, id)) === null) {
    const [r] = await s.ds.query(`SELECT status, status_message FROM deployments WHERE id = $1`, [id]);
    if (r.status === 'FAILED') break;
    if (Date.now() > until) throw new Error(`no sync request for ${id}: ${r.status} ${r.status_message}`);
    await sleep(2);
  }
  const [row] = await waitRows(s.ds, [id], ended, 300_000);
  if (row.status !== 'RUNNING') {
    log(`  ${row.status} ${row.status_message}`);
    return 'failed' as const;
  }
  await advanceTarget(s, i, id);
  const p = s.rec.pushes.get(row.manifests_commit_sha);
  if (!p || tSync === null) return null;
  return { claim: p.at - Number(row.started_ms), api: tSync - t0, ms: p.ms, sha: row.manifests_commit_sha as string };
}

/** Section 1 at one size: rounds of { Kubidu rollback, native push, native porcelain } in rotating order. */
export async function benchPipeline(o: BenchOptions, services: number, log: (m: string) => void): Promise<PipelineRow> {
  const s = await startStack(o, services, { argo: true, controller: true });
  try {
    const native = await openNativeWriter(services, o.history, s.manifestsUrl);
    const order = pick(services, o.samples + o.warmup);
    const extra = new Map<number, { api: number; ms?: { tip: number; build: number; push: number }; sha: string }>();
    let failed = 0;
    const r = await interleave(
      {
        kubidu: async (round) => {
          const x = await kubiduSample(s, order[round + o.warmup], log);
          if (x === 'failed' && round >= 0) failed++;
          if (!x || x === 'failed') return null;
          extra.set(round, x);
          return x.claim;
        },
        push: () => native.push(),
        porcelain: () => native.porcelain(),
      },
      { samples: o.samples, warmup: o.warmup },
    );
    const kept = r.rounds.map((round) => extra.get(round)!);
    const filesChanged: Record<number, number> = {};
    for (const x of kept) {
      const n = (await git(s.bare, 'diff-tree', '--no-commit-id', '--name-only', '-r', x.sha)).split('\n').filter(Boolean).length;
      filesChanged[n] = (filesChanged[n] ?? 0) + 1;
    }
    const med = (xs: number[]) => (xs.length ? stats(xs).p50 : NaN);
    const parts = kept.flatMap((x) => (x.ms ? [x.ms] : []));
    const row: PipelineRow = {
      services,
      warmup: o.warmup,
      claimToPushed: stats(r.samples.kubidu),
      apiToSync: stats(kept.map((x) => x.api)),
      nativePush: stats(r.samples.push),
      porcelain: stats(r.samples.porcelain),
      pushRatio: median(pairRatios(r.samples.kubidu, r.samples.push)),
      porcelainRatio: median(pairRatios(r.samples.porcelain, r.samples.kubidu)),
      breakdown: { tip: med(parts.map((x) => x.tip)), build: med(parts.map((x) => x.build)), push: med(parts.map((x) => x.push)) },
      filesChanged,
      failed,
      dropped: r.dropped,
    };
    log(`  s=${services}: claim→pushed p50 ${row.claimToPushed.p50.toFixed(0)} ms, native push p50 ${row.nativePush.p50.toFixed(0)} ms (pair ratio ${row.pushRatio.toFixed(2)}×), porcelain p50 ${row.porcelain.p50.toFixed(0)} ms, API→sync p50 ${row.apiToSync.p50.toFixed(0)} ms`);
    return row;
  } finally {
    await s.stop();
  }
}
