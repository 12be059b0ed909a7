/**
 * Benchmark of the manifests write path alone (not a test: it prints a table).
 *
 * For manifests repos of 100, 1,000 and 10,000 services (all in one folder, the
 * worst case) with ≥ 20,000 commits of history, served by git http-backend:
 * - Kubidu's commitAndPush of one service change (the adapter, no database),
 * - a native `git push` of an equivalent prepared one-file commit (the floor) and
 *   native porcelain (pull --rebase, edit, add, commit, push), interleaved round
 *   by round with Kubidu's samples (bench/native-git.ts, bench/series.ts),
 * - isomorphic-git porcelain (add + commit) in a checkout, after them.
 * Generated repos are cached under $KUBIDU_BENCH_DIR (bench/repo.ts).
 *
 *   npx tsx scripts/bench-git.ts            # all sizes
 *   BENCH_SIZES=100,1000 npx tsx scripts/bench-git.ts
 *
 * `npm run bench` uses benchSize without the native series: it measures those in
 * the same rounds as the whole pipeline (bench/pipeline.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
import { startGitHttpServer } from '../test-support/git-http-server.js';
import { createGitAdapter, formatCommitMessage, type GitAdapter } from '../controller/src/adapters/git/index.js';
import { renderServiceFiles, serviceFilePaths } from '../controller/src/manifests/index.js';
import { benchDir, DEFAULT_HISTORY, desired, ensureBenchRepo, PROJECT, run, serviceName } from './bench/repo.js';
import { bumpFile, openNativeWriter, persistentClone } from './bench/native-git.js';
import { interleave, measure, pairRatios, stats, type Stats } from './bench/series.js';
import { median } from './bench/util.js';

export { benchDir, ensureBenchRepo, PROJECT, serviceName, stats, measure, type Stats };

/**
 * One deployment's worth of work on the write path: read the service folder on
 * the tip, render a new image tag, commit and push. Returns a step for `measure`.
 */
export function commitStep(git: GitAdapter, services: number): (i: number) => Promise<void> {
  let k = 0;
  return async () => {
    const svc = serviceName(Math.floor(Math.random() * services));
    const d = desired(svc, `2.${process.pid}.${Date.now()}.${k++}`);
    const res = await git.commitAndPush(async (view) => {
      const existing = new Map<string, string | null>();
      for (const p of Object.values(serviceFilePaths(d.project, d.service))) existing.set(p, await view.readFile(p));
      const files = renderServiceFiles(existing, d);
      const message = formatCommitMessage({ kind: 'deploy', project: d.project, service: d.service, image: d.image, actor: 'bench@example.com', deploymentId: d.deploymentId });
      return { files: [...files].map(([path, content]) => ({ path, content })), message };
    });
    if (!res.pushed) throw new Error('bench commit did not push');
  };
}

/** One size's write-path figures (ms). `push`/`porcelain` are index-aligned with `ours` when measured. */
export interface Row {
  services: number;
  ours: Stats;
  warmup: number;
  push: Stats | null;
  porcelain: Stats | null;
  /** Median of the per-round ratios ours / native push. */
  pushRatio: number;
  iso: Stats | null;
  isoWarmup: number;
}

/** Measures one repo size: Kubidu's commitAndPush (with the native series interleaved when `native`), then isomorphic-git porcelain. */
export async function benchSize(services: number, samples: number, history = DEFAULT_HISTORY, opts: { native?: boolean; warmup?: number } = {}): Promise<Row> {
  const warmup = opts.warmup ?? 3;
  const BENCH_DIR = benchDir();
  const root = join(BENCH_DIR, 'repos');
  const name = await ensureBenchRepo(root, services, history);
  const bare = join(root, name);
  const original = (await run(bare, 'git', ['rev-parse', 'main'])).trim();
  const srv = await startGitHttpServer({ root });
  const cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-bench-cache-'));
  try {
    const url = srv.url(name);
    // Kubidu: fresh cache (depth-1 fetch happens in the warm-up).
    const git = createGitAdapter({ url, branch: 'main', cacheDir, maintainEvery: 0 });
    const tCold = performance.now();
    await git.fetchTip();
    process.stderr.write(`  s=${services}: cold shallow fetch ${(performance.now() - tCold).toFixed(0)} ms\n`);
    const step = commitStep(git, services);
    const timedStep = async () => {
      const t0 = performance.now();
      await step(0);
      return performance.now() - t0;
    };
    let ours: number[];
    let push: Stats | null = null;
    let porcelain: Stats | null = null;
    let pushRatio = NaN;
    if (opts.native) {
      const native = await openNativeWriter(services, history, url);
      const r = await interleave({ ours: timedStep, push: () => native.push(), porcelain: () => native.porcelain() }, { samples, warmup });
      ours = r.samples.ours;
      push = stats(r.samples.push);
      porcelain = stats(r.samples.porcelain);
      pushRatio = median(pairRatios(r.samples.ours, r.samples.push));
    } else {
      ours = await measure(step, { samples, warmup });
    }

    // isomorphic-git porcelain: add + commit in a checkout (its index), no push.
    let iso: Stats | null = null;
    const isoWarmup = 1;
    if (process.env.BENCH_SKIP_ISO !== '1') {
      const clone = await persistentClone(services, history, url, 'native');
      const isoDir = join(BENCH_DIR, `clone-iso-s${services}-h${history}`);
      rmSync(isoDir, { recursive: true, force: true });
      await run(BENCH_DIR, 'git', ['clone', '-q', '--local', clone, isoDir]);
      const ig = (await import('isomorphic-git')).default;
      await ig.add({ fs, dir: isoDir, filepath: 'README.md' }); // let isomorphic-git own the index once
      let k = 0;
      iso = stats(
        await measure(
          async () => {
            const p = bumpFile(isoDir, services, k++);
            await ig.add({ fs, dir: isoDir, filepath: p });
            await ig.commit({ fs, dir: isoDir, message: 'iso porcelain', author: { name: 'Bench', email: 'bench@example.com' } });
          },
          { samples: services >= 10_000 ? 5 : Math.min(10, samples), warmup: isoWarmup },
        ),
      );
      rmSync(isoDir, { recursive: true, force: true });
    }
    return { services, ours: stats(ours), warmup, push, porcelain, pushRatio, iso, isoWarmup };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    await srv.stop();
    // Keep the cached repo comparable between runs; drop the native side branches.
    await run(bare, 'git', ['update-ref', 'refs/heads/main', original]).catch(() => {});
    for (const ref of ['refs/heads/bench-native-push', 'refs/heads/bench-native-porcelain']) await run(bare, 'git', ['update-ref', '-d', ref]).catch(() => {});
  }
}

const f = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '-' : `${ms.toFixed(0)}`);

/** Prints the table for the given sizes. */
export async function main(sizes: number[], samples = 30, warmup = 3): Promise<Row[]> {
  const rows: Row[] = [];
  for (const s of sizes) {
    process.stderr.write(`benchmarking ${s} services...\n`);
    rows.push(await benchSize(s, samples, DEFAULT_HISTORY, { native: true, warmup }));
  }
  const lines = [
    `Manifests write path, ${DEFAULT_HISTORY} commits of history, one service changed per commit (ms; ${samples} interleaved rounds after ${warmup} warm-up rounds: Kubidu, native push, native porcelain)`,
    '',
    '| services | commitAndPush p50 | p95 | p99 | native git push p50 (floor) | ours / push (median of rounds) | native porcelain p50 | porcelain / ours | iso-git add+commit p50 (n) | iso / ours |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.services} | ${f(r.ours.p50)} | ${f(r.ours.p95)} | ${f(r.ours.p99)} | ${f(r.push?.p50)} | ${r.pushRatio.toFixed(2)}× | ${f(r.porcelain?.p50)} | ${r.porcelain ? (r.porcelain.p50 / r.ours.p50).toFixed(2) : '-'}× | ${r.iso ? `${f(r.iso.p50)} (${r.iso.n})` : '-'} | ${r.iso ? (r.iso.p50 / r.ours.p50).toFixed(1) + '×' : '-'} |`,
    );
  }
  console.log(lines.join('\n'));
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
  await main(sizes, Number(process.env.BENCH_SAMPLES ?? 30), Number(process.env.BENCH_WARMUP ?? 3));
}
