/**
 * Benchmark of the manifests write path (not a test: it prints a table).
 *
 * For manifests repos of 100, 1,000 and 10,000 services (all in one folder, the
 * worst case) with ≥ 20,000 commits of history, served by git http-backend:
 * - Kubidu's commitAndPush of one service change (p50/p95/p99),
 * - a native `git push` of an equivalent one-file commit (the floor),
 * - native porcelain (pull --rebase, edit, add, commit, push) in a persistent clone,
 * - isomorphic-git porcelain (add + commit) in a checkout,
 * all in the same run. Generated repos are cached under $KUBIDU_BENCH_DIR
 * (default /tmp/kubidu-bench) keyed by size, so reruns skip generation.
 *
 *   npx tsx scripts/bench-git.ts            # all sizes
 *   BENCH_SIZES=100,1000 npx tsx scripts/bench-git.ts
 *
 * `measure` and `commitStep` are exported so the full benchmark can wrap the
 * database claim around each sample.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
import { startGitHttpServer } from '../test-support/git-http-server.js';
import { createGitAdapter, formatCommitMessage, type GitAdapter } from '../controller/src/adapters/git/index.js';
import { renderServiceFiles, serviceFilePaths, type DesiredState } from '../controller/src/manifests/index.js';

/** Where generated repos and clones are cached (read on each call, so callers can set it first). */
export const benchDir = () => process.env.KUBIDU_BENCH_DIR ?? '/tmp/kubidu-bench';
export const PROJECT = 'bench';
const HISTORY = Number(process.env.BENCH_HISTORY ?? 20_000);

/** Timing summary of one series. */
export interface Stats { n: number; p50: number; p95: number; p99: number; mean: number }

/** Percentiles (nearest-rank) of samples in ms. */
export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { n: s.length, p50: q(50), p95: q(95), p99: q(99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Runs `step` warmup + samples times sequentially and returns the timed samples (ms). */
export async function measure(step: (i: number) => Promise<void>, opts: { samples: number; warmup?: number }): Promise<number[]> {
  for (let i = 0; i < (opts.warmup ?? 0); i++) await step(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    const t0 = performance.now();
    await step(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

function desired(service: string, tag: string): DesiredState {
  return {
    project: PROJECT,
    service,
    image: `ghcr.io/acme/${service}:${tag}`,
    port: 8080,
    replicas: 2,
    cpuLimit: '250m',
    memoryLimit: '256Mi',
    env: { LOG_LEVEL: 'info', GREETING: 'hello: world' },
    secretName: null,
    deploymentId: `bench-${service}-${tag}`,
  };
}

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

function run(cwd: string, cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Generates (once) a bare repo with `services` service folders and HISTORY commits, via git fast-import. */
export async function ensureBenchRepo(root: string, services: number, history = HISTORY): Promise<string> {
  const name = `s${services}-h${history}.git`;
  const dir = join(root, name);
  if (existsSync(join(dir, 'kubidu-bench-ready'))) return name;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  await run(root, 'git', ['init', '-q', '--bare', '-b', 'main', dir]);
  const t0 = Date.now();
  const proto = renderServiceFiles(new Map(), desired(serviceName(0), '1.0.0'));
  const token = serviceName(0);
  const fi = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => fi.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`fast-import exited ${c}`)))));
  const write = (s: string) => (fi.stdin.write(s) ? Promise.resolve() : new Promise<void>((r) => fi.stdin.once('drain', () => r())));
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let time = 1_600_000_000;
  // Commit 1: every service folder.
  let chunk = `commit refs/heads/main\nmark :1\ncommitter Bench <bench@example.com> ${time} +0000\n${data('initial layout')}`;
  chunk += `M 100644 inline README.md\n${data('# bench manifests\n')}`;
  for (let i = 0; i < services; i++) {
    const svc = serviceName(i);
    for (const [p, c] of proto) {
      chunk += `M 100644 inline ${p.split(token).join(svc)}\n${data(c.split(token).join(svc))}`;
    }
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  const kTemplate = proto.get(serviceFilePaths(PROJECT, token).kustomization)!;
  chunk = '';
  for (let c = 2; c <= history; c++) {
    const i = Math.floor(Math.random() * services);
    const svc = serviceName(i);
    time += 60;
    const tag = `1.${c}.0`;
    const content = kTemplate.split(token).join(svc).replace('newTag: "1.0.0"', `newTag: "${tag}"`);
    chunk +=
      `commit refs/heads/main\nmark :${c}\ncommitter Bench <bench@example.com> ${time} +0000\n` +
      data(`deploy(${PROJECT}/${svc}): ghcr.io/acme/${svc}:${tag}\n\nKubidu-Deployment: gen-${c}\n`) +
      `from :${c - 1}\nM 100644 inline ${serviceFilePaths(PROJECT, svc).kustomization}\n${data(content)}`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk + 'done\n');
  fi.stdin.end();
  await done;
  await run(dir, 'git', ['repack', '-a', '-d', '-q']);
  await run(dir, 'git', ['config', 'http.receivepack', 'true']);
  writeFileSync(join(dir, 'kubidu-bench-ready'), `${Date.now() - t0} ms\n`);
  process.stderr.write(`generated ${name} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return name;
}

async function persistentClone(root: string, services: number, history: number, url: string, kind: string): Promise<string> {
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

function bumpFile(dir: string, services: number, k: number): string {
  const svc = serviceName(Math.floor(Math.random() * services));
  const path = serviceFilePaths(PROJECT, svc).kustomization;
  const text = readFileSync(join(dir, path), 'utf8').replace(/newTag: "[^"]*"/, `newTag: "9.${process.pid}.${Date.now()}.${k}"`);
  writeFileSync(join(dir, path), text);
  return path;
}

/** One size's write-path figures (ms). */
export interface Row { services: number; ours: Stats; push: Stats; porcelain: Stats; iso: Stats | null }

/** Measures one repo size: Kubidu's commitAndPush, the native push floor, native and isomorphic-git porcelain. */
export async function benchSize(services: number, samples: number, history = HISTORY): Promise<Row> {
  const BENCH_DIR = benchDir();
  const root = join(BENCH_DIR, 'repos');
  const name = await ensureBenchRepo(root, services, history);
  const bare = join(root, name);
  const original = (await run(bare, 'git', ['rev-parse', 'main'])).trim();
  const srv = await startGitHttpServer({ root });
  try {
    const url = srv.url(name);
    // Kubidu: fresh cache (depth-1 fetch happens in the warm-up).
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-bench-cache-'));
    const git = createGitAdapter({ url, branch: 'main', cacheDir, maintainEvery: 0 });
    const tCold = performance.now();
    await git.fetchTip();
    process.stderr.write(`  s=${services}: cold shallow fetch ${(performance.now() - tCold).toFixed(0)} ms\n`);
    const ours = await measure(commitStep(git, services), { samples, warmup: 3 });

    // Native: a persistent clone; the floor is `git push` of a one-file commit prepared untimed.
    const clone = await persistentClone(BENCH_DIR, services, history, url, 'native');
    let k = 0;
    const push: number[] = [];
    for (let i = 0; i <= Math.min(samples, 20); i++) {
      await run(clone, 'git', ['pull', '-q', '--rebase', 'origin', 'main']);
      const p = bumpFile(clone, services, k++);
      await run(clone, 'git', ['commit', '-q', '-m', 'floor', '--', p]);
      const t0 = performance.now();
      await run(clone, 'git', ['push', '-q', 'origin', 'HEAD:main']);
      if (i > 0) push.push(performance.now() - t0); // first one is the warm-up
    }
    const porcelain = await measure(
      async () => {
        await run(clone, 'git', ['pull', '-q', '--rebase', 'origin', 'main']);
        const p = bumpFile(clone, services, k++);
        await run(clone, 'git', ['add', p]);
        await run(clone, 'git', ['commit', '-q', '-m', 'porcelain']);
        await run(clone, 'git', ['push', '-q', 'origin', 'HEAD:main']);
      },
      { samples: Math.min(samples, 15), warmup: 1 },
    );

    // isomorphic-git porcelain: add + commit in a checkout (its index), no push.
    let iso: Stats | null = null;
    if (process.env.BENCH_SKIP_ISO !== '1') {
      const isoDir = join(BENCH_DIR, `clone-iso-s${services}-h${history}`);
      rmSync(isoDir, { recursive: true, force: true });
      await run(BENCH_DIR, 'git', ['clone', '-q', '--local', clone, isoDir]);
      const ig = (await import('isomorphic-git')).default;
      await ig.add({ fs, dir: isoDir, filepath: 'README.md' }); // let isomorphic-git own the index once
      iso = stats(
        await measure(
          async () => {
            const p = bumpFile(isoDir, services, k++);
            await ig.add({ fs, dir: isoDir, filepath: p });
            await ig.commit({ fs, dir: isoDir, message: 'iso porcelain', author: { name: 'Bench', email: 'bench@example.com' } });
          },
          { samples: services >= 10_000 ? 5 : Math.min(10, samples), warmup: 1 },
        ),
      );
      rmSync(isoDir, { recursive: true, force: true });
    }
    rmSync(cacheDir, { recursive: true, force: true });
    return { services, ours: stats(ours), push: stats(push), porcelain: stats(porcelain), iso };
  } finally {
    await srv.stop();
    // Keep the cached repo comparable between runs.
    await run(bare, 'git', ['update-ref', 'refs/heads/main', original]).catch(() => {});
  }
}

const f = (ms: number) => `${ms.toFixed(0)}`;

/** Prints the table for the given sizes. */
export async function main(sizes: number[], samples = 30): Promise<Row[]> {
  const rows: Row[] = [];
  for (const s of sizes) {
    process.stderr.write(`benchmarking ${s} services...\n`);
    rows.push(await benchSize(s, samples));
  }
  const lines = [
    `Manifests write path, ${HISTORY} commits of history, one service changed per commit (ms; ${sizes.length} sizes, ${samples} samples after warm-up)`,
    '',
    '| services | commitAndPush p50 | p95 | p99 | native git push p50 (floor) | ours / push | native porcelain p50 | porcelain / ours | iso-git add+commit p50 | iso / ours |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.services} | ${f(r.ours.p50)} | ${f(r.ours.p95)} | ${f(r.ours.p99)} | ${f(r.push.p50)} | ${(r.ours.p50 / r.push.p50).toFixed(2)}× | ${f(r.porcelain.p50)} | ${(r.porcelain.p50 / r.ours.p50).toFixed(2)}× | ${r.iso ? f(r.iso.p50) : '-'} | ${r.iso ? (r.iso.p50 / r.ours.p50).toFixed(1) + '×' : '-'} |`,
    );
  }
  const small = rows.find((r) => r.services === Math.min(...sizes));
  const big = rows.find((r) => r.services === Math.max(...sizes));
  if (small && big && small !== big) lines.push('', `p50 at ${big.services} / p50 at ${small.services}: ${(big.ours.p50 / small.ours.p50).toFixed(2)}× (budget ≤ 1.5×)`);
  if (big) {
    lines.push(`budget at ${big.services}: p50 ${f(big.ours.p50)} ms (≤ 150 ms, or ≤ 1.25× push = ${f(1.25 * big.push.p50)} ms), p99 ${f(big.ours.p99)} ms (≤ 400 ms), ≥ 2× faster than porcelain: ${(big.porcelain.p50 / big.ours.p50).toFixed(2)}×`);
  }
  console.log(lines.join('\n'));
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
  await main(sizes, Number(process.env.BENCH_SAMPLES ?? 30));
}
