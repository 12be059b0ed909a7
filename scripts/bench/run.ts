/**
 * One whole `npm run bench`: a throwaway Postgres (unless DATABASE_URL), then
 * every section in order, then the table and BENCHMARKS.md text from what was
 * measured.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpus, loadavg, totalmem } from 'node:os';
import { startPgServer, type PgServer } from '../../test-support/postgres.js';
import { benchSize, type Row as GitRow } from '../bench-git.js';
import { resolveOptions, type BenchInput } from './options.js';
import { benchPipeline, type PipelineRow } from './pipeline.js';
import { benchBurst, benchTwoControllers } from './burst.js';
import { benchPages } from './pages.js';
import { benchRss } from './rss.js';
import { benchIssue20 } from './issue20.js';
import { renderTable } from './table.js';
import { renderMarkdown, type Facts } from './markdown.js';
import { verdicts, type Measured, type Verdict } from './verdicts.js';
import { now } from './util.js';

/** A run's figures, verdicts, table and markdown. */
export interface BenchResult extends Measured {
  facts: Facts;
  verdicts: Verdict[];
  table: string;
  markdown: string;
}

async function machineFacts(): Promise<Facts> {
  const gitVersion = (await promisify(execFile)('git', ['--version'])).stdout.trim();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: String(cpus().length),
    ram: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    git: gitVersion,
    date: new Date().toISOString(),
  };
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Runs every section and renders the report. */
export async function runBench(input: BenchInput): Promise<BenchResult> {
  let o = resolveOptions(input);
  const log = (m: string) => o.verbose && process.stderr.write(m + '\n');
  let pg: PgServer | undefined;
  if (!o.adminUrl) {
    pg = await startPgServer();
    o = { ...o, adminUrl: pg.adminUrl };
  }
  const facts = await machineFacts();
  const loadStart = load();
  const t0 = now();
  try {
    const gitRows: GitRow[] = [];
    const pipeline: PipelineRow[] = [];
    for (const size of o.sizes) {
      log(`[${size} services] write path alone: Kubidu adapter, isomorphic-git`);
      gitRows.push(await benchSize(size, o.samples, o.history, { native: false, warmup: o.warmup }));
      log(`[${size} services] claim → pushed and API → sync requested, rounds with native push and porcelain`);
      pipeline.push(await benchPipeline(o, size, log));
    }
    const big = Math.max(...o.sizes);
    log(`[${big} services] burst of ${o.burst} rollbacks, one controller`);
    const burst = await benchBurst(o, big, log);
    log(`[${big} services] burst of ${o.burst} rollbacks, two controller processes`);
    const two = await benchTwoControllers(o, big, log);
    log(`[history] ${o.historyRows} rows`);
    const pages = await benchPages(o, log);
    log(`[${big} services] RSS over ${o.rssRollbacks} rollbacks`);
    const rss = await benchRss(o, big, log);
    log(`[${big} services] issue 20: release rollback, two-controller burst, auto-rollback`);
    const issue20 = await benchIssue20(o, big, log);
    facts.load = `load average ${loadStart} at start, ${load()} at end (1/5/15 min) on ${facts.cores} cores`;
    facts.duration = `${((now() - t0) / 1000).toFixed(0)} s`;
    const measured: Measured = { options: { ...o, adminUrl: undefined }, git: gitRows, pipeline, burst, two, pages, rss, issue20 };
    const checks = verdicts(measured);
    const table = renderTable(measured, checks);
    const markdown = renderMarkdown(measured, facts, table, checks);
    return { ...measured, facts, verdicts: checks, table, markdown };
  } finally {
    await pg?.stop();
  }
}
