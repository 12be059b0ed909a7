/**
 * The one table `npm run bench` prints: every measured series with its n and
 * percentiles, and each budget's verdict taken from verdicts.ts.
 */
import { ms, plural, sizesOf, times, verdicts, type Measured, type Verdict } from './verdicts.js';
import { issue20Rows } from './issue20.js';

/** Renders the markdown table of a run. */
export function renderTable(m: Measured, checks: Verdict[] = verdicts(m)): string {
  const L: string[] = [];
  const row = (...c: string[]) => L.push(`| ${c.join(' | ')} |`);
  const byKey = new Map(checks.map((v) => [v.key, v]));
  const budget = (key: string) => byKey.get(key)?.budget ?? '-';
  const verdict = (key: string) => {
    const v = byKey.get(key);
    return v ? (v.pass ? 'PASS' : 'FAIL') : '-';
  };
  row('#', 'measurement', 'services', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'result', 'budget', 'verdict');
  L.push('|---|---|---:|---:|---:|---:|---:|---|---|---|');
  const { big, small, pipeBy } = sizesOf(m);
  for (const p of m.pipeline) {
    const c = p.claimToPushed;
    const isBig = p.services === big;
    const b = p.breakdown;
    const files = Object.entries(p.filesChanged).map(([n, k]) => `${k} changed ${n} file${n === '1' ? '' : 's'}`).join(', ');
    const cut = `${plural(p.warmup, 'warm-up round')}${p.dropped ? `, ${plural(p.dropped, 'round')} dropped` : ''}${p.failed ? ` (${p.failed} FAILED rows)` : ''}`;
    const S = String(p.services);
    row('1', 'claim → commit pushed (real row, store, deploy step, http remote)', S, String(c.n), ms(c.p50), ms(c.p95), ms(c.p99),
      `adapter p50: tip ${ms(b.tip)} + build ${ms(b.build)} + push ${ms(b.push)}; Kubidu's commits: ${files || '-'}; ${cut}`,
      isBig ? budget('abs') : '-', isBig ? verdict('abs') : '-');
    const np = p.nativePush;
    row('1', 'native `git push` of a prepared one-file commit (floor), same rounds as Kubidu', S, String(np.n), ms(np.p50), ms(np.p95), ms(np.p99),
      `Kubidu / native: ${times(p.pushRatio)} median of ${np.n} pairs (p50 / p50 ${times(c.p50 / np.p50)})`, '-', '-');
    const pc = p.porcelain;
    row('1', 'native porcelain (pull --rebase, edit, add, commit, push), same rounds', S, String(pc.n), ms(pc.p50), ms(pc.p95), ms(pc.p99),
      `${times(p.porcelainRatio)} Kubidu's claim → pushed (median of ${pc.n} pairs)`, budget(`porcelain-${p.services}`), verdict(`porcelain-${p.services}`));
    if (isBig) {
      row('1', 'claim → pushed vs native `git push` of the same kind of change (same rounds)', S, String(c.n), '-', '-', '-',
        `${times(p.pushRatio)} median of ${c.n} pair ratios (p50 ${ms(c.p50)} vs ${ms(np.p50)})`, budget('rel'), verdict('rel'));
      if (big !== small) {
        const s0 = pipeBy.get(small)!.claimToPushed.p50;
        row('1', `claim → pushed p50 at ${big} / at ${small}`, S, '-', '-', '-', '-', times(c.p50 / s0), budget('scale'), verdict('scale'));
      }
    }
    const a = p.apiToSync;
    row('1', 'API call → sync requested (POST rollback → Argo CD test server gets the sync)', S, String(a.n), ms(a.p50), ms(a.p95), ms(a.p99), '-', isBig ? budget('api') : '-', isBig ? verdict('api') : '-');
  }
  for (const g of m.git) {
    const ours = pipeBy.get(g.services)?.claimToPushed.p50 ?? g.ours.p50;
    const S = String(g.services);
    row('2', 'Kubidu commitAndPush alone (adapter, no database)', S, String(g.ours.n), ms(g.ours.p50), ms(g.ours.p95), ms(g.ours.p99), plural(g.warmup, 'warm-up'), '-', '-');
    if (g.iso) row('2', 'isomorphic-git porcelain (add + commit, no push)', S, String(g.iso.n), ms(g.iso.p50), ms(g.iso.p95), ms(g.iso.p99), `${(g.iso.p50 / ours).toFixed(1)}× row 1's claim → pushed p50; ${plural(g.isoWarmup, 'warm-up')}`, '-', '-');
  }
  const bu = m.burst;
  row('3', `${bu.count} rollbacks on ${bu.count} services fired at once (one controller, no sync engine)`, String(big), String(bu.count), '-', '-', '-',
    `all pushed in ${ms(bu.wallMs)} ms; ${bu.commits} commits, ${bu.pushes} pushes, ${bu.retries} retries, ${bu.lost} lost updates, ${bu.forcePushes} force pushes`,
    budget('burst'), verdict('burst'));
  const t = m.two;
  row('4', `the same ${t.count} with two controller processes on one database`, String(big), String(t.count), '-', '-', '-',
    `${t.exactlyOnce}/${t.count} exactly once (one commit per trailer, one COMMITTED audit, attempts 1, RUNNING); ${t.duplicates} duplicates; split ${Object.entries(t.perWorker).map(([k, v]) => `${k} ${v}`).join(', ')}; all pushed in ${ms(t.wallMs)} ms; ${t.commits} commits, ${t.pushes} pushes, ${t.retries} retries, ${t.lost} lost, ${t.forcePushes} force`,
    budget('two'), verdict('two'));
  const pg = m.pages;
  row('5', `GET /api/services/:id/deployments, first page (${pg.rows} rows)`, '1', String(pg.first.n), ms(pg.first.p50), ms(pg.first.p95), ms(pg.first.p99), plural(pg.warmup, 'warm-up'), budget('page-first'), verdict('page-first'));
  row('5', `same, cursor page ${pg.deepOffset} rows deep`, '1', String(pg.deep.n), ms(pg.deep.p50), ms(pg.deep.p95), ms(pg.deep.p99), plural(pg.warmup, 'warm-up'), budget('page-deep'), verdict('page-deep'));
  const rs = m.rss;
  const at = Object.entries(rs.tree.peakByCommand).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' + ');
  const every = rs.tree.samples ? (rs.sampledMs / rs.tree.samples).toFixed(0) : '-';
  row('6', `controller RSS incl. its git children after ${rs.rollbacks} rollbacks (sync engine: ${rs.sync})`, String(rs.services), String(rs.rollbacks), '-', '-', '-',
    `peak of the sum ${rs.tree.peakSumMb.toFixed(0)} MB (at the peak: ${at} MB; ${rs.tree.samples} samples, one per ${every} ms, asked for ${rs.tree.intervalMs}); children alone peak ${rs.tree.peakChildrenMb.toFixed(0)} MB; controller alone ${rs.rssMb.toFixed(0)} MB at the end, ${rs.hwmMb.toFixed(0)} MB its peak; waves of ${rs.wave}, ${(rs.wallMs / 1000).toFixed(1)} s; local object store ${rs.cache.mb.toFixed(1)} MB (${rs.cache.packs} packs, ${rs.cache.loose} loose objects)`,
    budget('rss'), verdict('rss'));
  if (m.issue20) L.push(...issue20Rows(m.issue20));
  return L.join('\n');
}
