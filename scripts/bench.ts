/**
 * `npm run bench`: the whole product measured in one table (issue 8). Not a
 * test: nothing here asserts a timing; budgets are printed with their verdict.
 * Prints BENCHMARKS.md's text (table and findings, all from the run) to stdout;
 * `npm run bench -- --write` also writes it to BENCHMARKS.md (or $BENCH_OUT).
 *
 * Real parts only: a throwaway Postgres (initdb/pg_ctl, or DATABASE_URL's server),
 * the real API listening on loopback (called with fetch), the real controller
 * (in-process, or `node --import tsx controller/src/main.ts` child processes), a
 * real git smart-HTTP remote (git http-backend) and the Argo CD test server.
 *
 * Sections (scripts/bench/):
 *  1. claim → commit pushed and API call → sync requested per repo size, in rounds with a
 *     native `git push` and native porcelain of the same kind of change (pipeline.ts, native-git.ts);
 *  2. the adapter alone and isomorphic-git porcelain (scripts/bench-git.ts);
 *  3. N rollbacks on N services fired at once, one in-process controller (burst.ts);
 *  4. the same with two controller processes on one database (burst.ts);
 *  5. GET /api/services/:id/deployments with 100,000 rows: first and deep cursor page (pages.ts);
 *  6. a controller's memory with its git children over 1,000 rollbacks (rss.ts, rss-sampler.ts).
 * Setup: repo.ts (generated repos), setup.ts (remote, database, Argo CD), stack.ts (API + controller).
 * Report: verdicts.ts, table.ts, markdown.ts. Knobs: see optionsFromEnv in bench/options.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { optionsFromEnv } from './bench/options.js';
import { runBench } from './bench/run.js';
import { ROOT } from './bench/util.js';

export { runBench, type BenchResult } from './bench/run.js';
export { optionsFromEnv, type BenchOptions, type BenchInput } from './bench/options.js';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runBench(optionsFromEnv());
  console.log(r.markdown);
  if (process.argv.includes('--write')) {
    const out = process.env.BENCH_OUT ?? join(ROOT, 'BENCHMARKS.md');
    writeFileSync(out, r.markdown);
    process.stderr.write(`wrote ${out}\n`);
  }
  process.exit(0);
}
