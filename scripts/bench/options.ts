/**
 * What one `npm run bench` measures: sizes, sample and warm-up counts, burst and
 * history sizes. Read from the environment once; every figure the report prints
 * about a run's settings comes from here or from the measured series themselves.
 */

/** The bench's settings (one run). */
export interface BenchOptions {
  sizes: number[];
  /** Timed rounds per interleaved series (section 1) and samples of the adapter alone (section 2). */
  samples: number;
  /** Untimed rounds before the timed ones, per series. */
  warmup: number;
  history: number;
  burst: number;
  historyRows: number;
  rssRollbacks: number;
  /** Interval of the /proc sampler of section 6 (ms). */
  rssIntervalMs: number;
  /** Run section 6's controller with the Argo CD test server as its sync engine (else KUBIDU_SYNC=none). */
  rssSync: boolean;
  pageSamples: number;
  pageWarmup: number;
  /** Postgres admin URL to create bench databases on; a throwaway server when absent. */
  adminUrl?: string;
  /** Progress lines on stderr. */
  verbose?: boolean;
}

/** The settings a caller may leave out, with their full-run defaults. */
export const DEFAULTS = { warmup: 3, rssIntervalMs: 100, rssSync: true, pageWarmup: 20 } as const;

/** What runBench accepts: BenchOptions, where the settings in DEFAULTS may be left out. */
export type BenchInput = Omit<BenchOptions, keyof typeof DEFAULTS> & Partial<Pick<BenchOptions, keyof typeof DEFAULTS>>;

/** Fills in the defaults a caller left out. */
export function resolveOptions(o: BenchInput): BenchOptions {
  return { ...DEFAULTS, ...o } as BenchOptions;
}

/**
 * Knobs: BENCH_SIZES=100,1000,10000  BENCH_SAMPLES=30  BENCH_WARMUP=3  BENCH_HISTORY=20000
 *        BENCH_BURST=100  BENCH_HISTORY_ROWS=100000  BENCH_RSS_ROLLBACKS=1000
 *        BENCH_RSS_INTERVAL_MS=100  BENCH_RSS_SYNC=0 (section 6 without a sync engine)
 *        BENCH_PAGE_SAMPLES=200  BENCH_PAGE_WARMUP=20
 *        BENCH_QUICK=1 (20 services, 200 commits, a few samples: a smoke run)
 *        DATABASE_URL (use that server instead of a throwaway one)  KUBIDU_BENCH_DIR (repo cache)
 *        Section 7 (issue 20): BENCH_I20_RELEASE=1000 BENCH_I20_RELEASE_SAMPLES=3 BENCH_I20_BURST=1000
 *        BENCH_I20_AUTO_SAMPLES=20 (see bench/issue20.ts; it also runs alone)
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const quick = env.BENCH_QUICK === '1';
  const num = (k: string, def: number) => (env[k] ? Number(env[k]) : def);
  return {
    sizes: (env.BENCH_SIZES ?? (quick ? '20' : '100,1000,10000')).split(',').map(Number),
    samples: num('BENCH_SAMPLES', quick ? 3 : 30),
    warmup: num('BENCH_WARMUP', quick ? 1 : DEFAULTS.warmup),
    history: num('BENCH_HISTORY', quick ? 200 : 20_000),
    burst: num('BENCH_BURST', quick ? 10 : 100),
    historyRows: num('BENCH_HISTORY_ROWS', quick ? 2_000 : 100_000),
    rssRollbacks: num('BENCH_RSS_ROLLBACKS', quick ? 20 : 1_000),
    rssIntervalMs: num('BENCH_RSS_INTERVAL_MS', DEFAULTS.rssIntervalMs),
    rssSync: env.BENCH_RSS_SYNC !== '0',
    pageSamples: num('BENCH_PAGE_SAMPLES', quick ? 20 : 200),
    pageWarmup: num('BENCH_PAGE_WARMUP', quick ? 5 : DEFAULTS.pageWarmup),
    adminUrl: env.DATABASE_URL || undefined,
    verbose: true,
  };
}
