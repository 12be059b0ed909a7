/**
 * The budgets (issues 3, 4, 8 and DESIGN.md "Measured here") checked against a
 * run's figures, computed once: the table's verdict column and the findings
 * prose both read them, so neither can say something the numbers do not.
 */
import type { Row as GitRow } from '../bench-git.js';
import type { BenchOptions } from './options.js';
import type { PipelineRow } from './pipeline.js';
import type { BurstResult } from './burst.js';
import type { PagesResult } from './pages.js';
import type { RssResult } from './rss.js';

/** Everything one run measured (the report's input). */
import type { Issue20Result } from './issue20.js';

export interface Measured {
  options: BenchOptions;
  git: GitRow[];
  pipeline: PipelineRow[];
  burst: BurstResult;
  two: BurstResult;
  pages: PagesResult;
  rss: RssResult;
  /** Section 7 (issue 20): release rollback, 1,000 single rollbacks on two controllers, auto-rollback. */
  issue20?: Issue20Result;
}

/** One budget checked: which row, what was measured, the budget and the verdict. */
export interface Verdict {
  /** Which table line carries it: abs, rel, porcelain-<size>, scale, api, burst, two, page-first, page-deep, rss. */
  key: string;
  /** Table row number (1–6). */
  row: string;
  /** Short name of what the budget is about. */
  what: string;
  /** The measured figure(s), as the findings quote them. */
  figure: string;
  budget: string;
  pass: boolean;
}

/** Formats ms like the table does: one decimal below 100, none above. */
export const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '-');
/** A ratio with two decimals and the × sign. */
export const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '-');

/** `n word` or `n words`. */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The largest and smallest size of the run, and section 1 by size. */
export function sizesOf(m: Measured) {
  const sizes = m.pipeline.map((p) => p.services);
  return { big: Math.max(...sizes), small: Math.min(...sizes), pipeBy: new Map(m.pipeline.map((p) => [p.services, p])) };
}

/** Every budget of the run with its verdict, in table order. */
export function verdicts(m: Measured): Verdict[] {
  const { big, small, pipeBy } = sizesOf(m);
  const out: Verdict[] = [];
  const p = pipeBy.get(big)!;
  const c = p.claimToPushed;
  const pairs = c.n;
  out.push({ key: 'abs', row: '1', what: `claim → pushed at ${big} services (absolute)`, figure: `p50 ${ms(c.p50)} ms, p99 ${ms(c.p99)} ms (n ${c.n})`, budget: 'p50 ≤ 150, p99 ≤ 400 (absolute)', pass: c.p50 <= 150 && c.p99 <= 400 });
  out.push({
    key: 'rel',
    row: '1',
    what: `claim → pushed vs native \`git push\` at ${big} services (relative)`,
    figure: `median of ${pairs} same-round ratios ${times(p.pushRatio)} (Kubidu p50 ${ms(c.p50)} ms, native push p50 ${ms(p.nativePush.p50)} ms)`,
    budget: 'median pair ratio ≤ 1.25× (relative)',
    pass: p.pushRatio <= 1.25,
  });
  for (const q of m.pipeline) {
    const isBig = q.services === big;
    out.push({
      key: `porcelain-${q.services}`,
      row: '1',
      what: `native porcelain vs Kubidu at ${q.services} services`,
      figure: `porcelain is ${times(q.porcelainRatio)} Kubidu's claim → pushed (median of ${q.porcelain.n} same-round ratios; porcelain p50 ${ms(q.porcelain.p50)} ms)`,
      budget: isBig ? '≥ 2× slower than Kubidu' : 'slower than Kubidu',
      pass: q.porcelainRatio >= (isBig ? 2 : 1),
    });
  }
  if (big !== small) {
    const s0 = pipeBy.get(small)!.claimToPushed.p50;
    out.push({ key: 'scale', row: '1', what: `claim → pushed p50 at ${big} / at ${small} services`, figure: times(c.p50 / s0), budget: '≤ 1.5×', pass: c.p50 <= 1.5 * s0 });
  }
  out.push({ key: 'api', row: '1', what: `API call → sync requested at ${big} services`, figure: `p50 ${ms(p.apiToSync.p50)} ms (n ${p.apiToSync.n})`, budget: 'p50 ≤ 300', pass: p.apiToSync.p50 <= 300 });
  const bu = m.burst;
  out.push({ key: 'burst', row: '3', what: `${bu.count} rollbacks at once, one controller`, figure: `all pushed in ${ms(bu.wallMs)} ms, ${bu.lost} lost, ${bu.forcePushes} force pushes`, budget: '≤ 5000 ms, 0 lost, 0 force', pass: bu.wallMs <= 5000 && bu.lost === 0 && bu.forcePushes === 0 });
  const t = m.two;
  out.push({ key: 'two', row: '4', what: `${t.count} rollbacks at once, two controller processes`, figure: `${t.exactlyOnce}/${t.count} exactly once, ${t.duplicates} duplicates, ${t.lost} lost, ${t.forcePushes} force pushes, ${t.retries} rejected pushes rebuilt`, budget: 'exactly once', pass: t.exactlyOnce === t.count && t.duplicates === 0 && t.lost === 0 && t.forcePushes === 0 });
  const pg = m.pages;
  out.push({ key: 'page-first', row: '5', what: `history first page (${pg.rows} rows)`, figure: `p99 ${ms(pg.first.p99)} ms (n ${pg.first.n})`, budget: 'p99 ≤ 20', pass: pg.first.p99 <= 20 });
  out.push({ key: 'page-deep', row: '5', what: `history cursor page ${pg.deepOffset} rows deep`, figure: `p99 ${ms(pg.deep.p99)} ms (n ${pg.deep.n})`, budget: 'p99 ≤ 20', pass: pg.deep.p99 <= 20 });
  const rs = m.rss;
  out.push({
    key: 'rss',
    row: '6',
    what: `controller memory incl. git children after ${rs.rollbacks} rollbacks (sync engine: ${rs.sync})`,
    figure: `peak ${rs.tree.peakSumMb.toFixed(0)} MB summed over the process tree (controller alone: ${rs.hwmMb.toFixed(0)} MB its own peak)`,
    budget: '≤ 300 MB (peak of the sum)',
    pass: rs.tree.peakSumMb <= 300,
  });
  return out;
}
