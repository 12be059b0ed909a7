/**
 * Section 7 (issue 20): the three rollback rows.
 *
 *  7a. A release rollback of R services (one project, one folder, on the bench remote):
 *      accepted (the 202) → the ONE commit pushed, against a native `git push` of the same change
 *      (the same files, each with a fresh blob so the remote receives as much as from Kubidu),
 *      measured in the same run, alternating.
 *  7b. B single rollbacks on B services fired at once, two controller processes on one database
 *      (section 4's burst at B): all pushed within 10 s, each exactly once, no lost update, no force push.
 *  7c. Auto-rollback: the Argo CD test server reports the deploy Degraded (grace 1 s) → the deploy is
 *      FAILED → the AUTO rollback's commit is pushed; p50 of (pushed − FAILED).
 *
 * Knobs: BENCH_I20_RELEASE=1000 (services per release) BENCH_I20_RELEASE_SAMPLES=3 BENCH_I20_BURST=1000
 * BENCH_I20_AUTO_SAMPLES=20. `npx tsx scripts/bench/issue20.ts` runs this section alone (BENCH_SIZES'
 * largest size, default 100 there) and prints its rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchOptions } from './options.js';
import { startStack, type Stack } from './setup.js';
import { benchTwoControllers, type BurstResult } from './burst.js';
import { ended, waitRows } from './fleet.js';
import { persistentClone } from './native-git.js';
import { PROJECT, run, serviceName } from './repo.js';
import { stats, type Stats } from './series.js';
import { git, now, sleep } from './util.js';
import { ms, times } from './verdicts.js';

/** What section 7 measured. */
export interface Issue20Result {
  services: number;
  release: { services: number; acceptedToPushed: Stats; requestMs: Stats; nativePush: Stats; ratio: number; files: number; commitsPerRelease: number[] };
  burst: BurstResult;
  auto: { failedToPushed: Stats; samples: number; autoRows: number };
}

/** Section 7's own sizes (defaults: the issue's; BENCH_QUICK: small). */
export function issue20Sizes(env: NodeJS.ProcessEnv = process.env) {
  const quick = env.BENCH_QUICK === '1';
  const num = (k: string, def: number) => (env[k] ? Number(env[k]) : def);
  return {
    release: num('BENCH_I20_RELEASE', quick ? 20 : 1000),
    releaseSamples: num('BENCH_I20_RELEASE_SAMPLES', quick ? 2 : 3),
    burst: num('BENCH_I20_BURST', quick ? 20 : 1000),
    autoSamples: num('BENCH_I20_AUTO_SAMPLES', quick ? 3 : 20),
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 600_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** 7a: release rollbacks alternating between two moments, each followed by a native push of the same change. */
async function benchRelease(o: BenchOptions, services: number, n: number, samples: number, log: (m: string) => void): Promise<Issue20Result['release']> {
  const s = await startStack(o, services, { argo: false, controller: true });
  try {
    // Two moments: 0.9.0 (the SUCCESS rows) live 2 h ago, 1.0.0 (the RUNNING rows) 1 h ago.
    await s.ds.query(`UPDATE deployments SET finished_at = now() - interval '2 hours' WHERE status = 'SUCCESS'`);
    await s.ds.query(`UPDATE deployments SET finished_at = now() - interval '1 hour' WHERE status = 'RUNNING'`);
    const moments = [new Date(Date.now() - 90 * 60_000).toISOString(), new Date(Date.now() - 30 * 60_000).toISOString()];
    const [{ id: projectId }] = await s.ds.query(`SELECT id FROM projects WHERE slug = $1`, [PROJECT]);
    const names = Array.from({ length: n }, (_, i) => serviceName(i));
    const clone = await persistentClone(services, o.history, s.manifestsUrl, 'native-release');
    const accepted: number[] = [];
    const request: number[] = [];
    const native: number[] = [];
    const commits: number[] = [];
    let files = 0;
    for (let k = 0; k < samples + 1; k++) {
      const before = (await git(s.bare, 'rev-parse', 'main')).trim();
      const t0 = now();
      const r = await s.post(`/api/projects/${projectId}/rollback`, { at: moments[k % 2], services: names, reason: 'bench' });
      const tAccepted = now();
      if (r.status !== 202) throw new Error(`release rollback failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      const sha = await waitFor('the release commit', async () => {
        const [rel] = await s.ds.query(`SELECT manifests_commit_sha FROM releases WHERE id = $1`, [r.body.id]);
        return rel?.manifests_commit_sha && s.rec.pushes.get(rel.manifests_commit_sha) ? (rel.manifests_commit_sha as string) : null;
      });
      await waitRows(s.ds, r.body.deployments.map((d: { id: string }) => d.id), ended, 600_000);
      const after = (await git(s.bare, 'rev-parse', 'main')).trim();
      const count = Number((await git(s.bare, 'rev-list', '--count', `${before}..${after}`)).trim());
      // Native: the same files on the same parent, each a fresh blob, pushed to a side branch.
      await run(clone, 'git', ['fetch', '-q', 'origin', 'main']);
      await run(clone, 'git', ['reset', '-q', '--hard', `${sha}^`]);
      const changed = (await git(s.bare, 'diff', '--name-only', `${sha}^`, sha)).trim().split('\n').filter(Boolean);
      for (const f of changed) {
        const text = await git(s.bare, 'show', `${sha}:${f}`);
        writeFileSync(join(clone, f), text.replace(/newTag: "?([^"\n]*)"?/, `newTag: "$1-native${k}"`) + (f.endsWith('kustomization.yaml') ? '' : `# native ${k}\n`));
      }
      await run(clone, 'git', ['add', '-A']);
      await run(clone, 'git', ['commit', '-q', '-m', `native release ${k}`]);
      const tn = performance.now();
      await run(clone, 'git', ['push', '-q', '-f', 'origin', 'HEAD:refs/heads/bench-native-release']);
      const nativeMs = performance.now() - tn;
      if (k === 0) continue; // warm-up: the controller's first release fetches its store
      accepted.push(s.rec.pushes.get(sha)!.at - tAccepted);
      request.push(tAccepted - t0);
      native.push(nativeMs);
      commits.push(count);
      files = changed.length;
      const [claimed] = await s.ds.query(`SELECT extract(epoch from min(started_at)) * 1000 AS ms FROM deployments WHERE release_id = $1`, [r.body.id]);
      const adapter = s.rec.pushes.get(sha)!.ms;
      log(
        `  release of ${n}: accepted → pushed ${ms(accepted.at(-1)!)} ms (accepted → claimed ${ms(Number(claimed.ms) - tAccepted)} ms; adapter tip ${ms(adapter?.tip ?? NaN)} + build ${ms(adapter?.build ?? NaN)} + push ${ms(adapter?.push ?? NaN)} ms; ` +
          `the request ${ms(request.at(-1)!)} ms), native push ${ms(nativeMs)} ms, ${count} commit(s), ${changed.length} files`,
      );
    }
    const a = stats(accepted);
    const nat = stats(native);
    return { services: n, acceptedToPushed: a, requestMs: stats(request), nativePush: nat, ratio: a.p50 / nat.p50, files, commitsPerRelease: commits };
  } finally {
    await s.stop();
  }
}

/** 7c: deploy → Argo CD Degraded → FAILED → AUTO rollback pushed, `samples` times on distinct services. */
async function benchAuto(o: BenchOptions, services: number, samples: number, log: (m: string) => void): Promise<Issue20Result['auto']> {
  const s: Stack = await startStack(o, services, { argo: true, controller: true, env: { KUBIDU_DEGRADED_GRACE_SECONDS: '1' } });
  try {
    const lat: number[] = [];
    let autoRows = 0;
    for (let k = 0; k < samples + 1; k++) {
      const name = serviceName(k);
      const [svc] = await s.ds.query(`SELECT s.id FROM services s JOIN projects p ON p.id = s.project_id WHERE p.slug = $1 AND s.name = $2`, [PROJECT, name]);
      const p = await fetch(`${s.apiUrl}/api/services/${svc.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ autoRollback: true }),
      });
      if (p.status !== 200) throw new Error(`PATCH autoRollback failed: ${p.status}`);
      // Every operation of this app ends Degraded (its auto-sync may run before Kubidu's sync), until the rollback is pushed.
      s.argo!.setFailure('degraded', { apps: [`${PROJECT}.${name}`], message: 'Deployment exceeded its progress deadline' });
      const d = await s.post(`/api/services/${svc.id}/deployments`, { image: `ghcr.io/acme/${name}:2.0.${k}`, override: true });
      if (d.status !== 202) throw new Error(`deploy failed: ${d.status} ${JSON.stringify(d.body)}`);
      const [failed] = await waitRows(s.ds, [d.body.id], ended, 300_000);
      if (failed.status !== 'FAILED') throw new Error(`the deploy ended ${failed.status}, not FAILED: ${failed.status_message}`);
      const auto = await waitFor('the AUTO row pushed', async () => {
        const [r] = await s.ds.query(
          `SELECT d.manifests_commit_sha AS sha, extract(epoch from f.finished_at) * 1000 AS failed_ms FROM deployments d JOIN deployments f ON f.id = d.auto_rollback_of WHERE d.auto_rollback_of = $1`,
          [d.body.id],
        );
        return r?.sha && s.rec.pushes.get(r.sha) ? r : null;
      }, 120_000);
      autoRows++;
      s.argo!.setFailure('none');
      if (k === 0) continue; // warm-up
      lat.push(s.rec.pushes.get(auto.sha)!.at - Number(auto.failed_ms));
    }
    const st = stats(lat);
    log(`  auto-rollback: FAILED → rollback pushed p50 ${ms(st.p50)} ms over ${lat.length}`);
    return { failedToPushed: st, samples: lat.length, autoRows };
  } finally {
    await s.stop();
  }
}

/** Runs section 7 at `services` (the run's largest size). */
export async function benchIssue20(o: BenchOptions, services: number, log: (m: string) => void): Promise<Issue20Result> {
  const z = issue20Sizes();
  const n = Math.min(z.release, services);
  // BENCH_I20_ONLY=release|burst|auto runs one measurement (while working on it); the others read as not run.
  const only = process.env.BENCH_I20_ONLY;
  const run = (k: string) => !only || only.split(',').includes(k);
  const none: Stats = stats([]);
  log(`[${services} services] issue 20: release rollback of ${n} services, ${z.releaseSamples} samples`);
  const release = run('release')
    ? await benchRelease(o, services, n, z.releaseSamples, log)
    : { services: n, acceptedToPushed: none, requestMs: none, nativePush: none, ratio: NaN, files: 0, commitsPerRelease: [] };
  log(`[${services} services] issue 20: ${Math.min(z.burst, services)} single rollbacks, two controllers`);
  const burst = run('burst')
    ? await benchTwoControllers({ ...o, burst: Math.min(z.burst, services) }, services, log)
    : { count: 0, wallMs: NaN, acceptedMs: NaN, commits: 0, pushes: 0, retries: 0, lost: 0, forcePushes: 0, exactlyOnce: 0, duplicates: 0, notEnded: 0, perWorker: {} };
  log(`[${services} services] issue 20: auto-rollback, ${z.autoSamples} samples`);
  const auto = run('auto') ? await benchAuto(o, services, Math.min(z.autoSamples, services - 1), log) : { failedToPushed: none, samples: 0, autoRows: 0 };
  return { services, release, burst, auto };
}

/** The table rows of section 7 (budgets and verdicts inline). */
export function issue20Rows(r: Issue20Result): string[] {
  const S = String(r.services);
  const re = r.release;
  const relPass = re.ratio <= 2 && re.commitsPerRelease.every((c) => c === 1);
  const b = r.burst;
  const burstPass = b.wallMs <= 10_000 && b.exactlyOnce === b.count && b.lost === 0 && b.forcePushes === 0;
  const au = r.auto.failedToPushed;
  return [
    `| 7 | release rollback of ${re.services} services (one project, one folder): accepted → the one commit pushed | ${S} | ${re.acceptedToPushed.n} | ${ms(re.acceptedToPushed.p50)} | ${ms(re.acceptedToPushed.p95)} | ${ms(re.acceptedToPushed.p99)} | ${re.files} files in ${re.commitsPerRelease.join(', ')} commit(s) per release; the POST itself p50 ${ms(re.requestMs.p50)} ms | ≤ 2× native push, 1 commit | ${relPass ? 'PASS' : 'FAIL'} |`,
    `| 7 | native \`git push\` of the same change (same files, fresh blobs), same run | ${S} | ${re.nativePush.n} | ${ms(re.nativePush.p50)} | ${ms(re.nativePush.p95)} | ${ms(re.nativePush.p99)} | Kubidu / native p50: ${times(re.ratio)} | - | - |`,
    `| 7 | ${b.count} single rollbacks on ${b.count} services at once, two controller processes, one database | ${S} | ${b.count} | - | - | - | all pushed in ${ms(b.wallMs)} ms (the last 202 at ${ms(b.acceptedMs)} ms); ${b.exactlyOnce}/${b.count} exactly once; ${b.duplicates} duplicates; ${b.lost} lost; ${b.forcePushes} force pushes; ${b.commits} commits, ${b.pushes} pushes | ≤ 10 s, each once | ${burstPass ? 'PASS' : 'FAIL'} |`,
    `| 7 | auto-rollback: Argo CD reports Degraded (grace 1 s) → deploy FAILED → rollback commit pushed | ${S} | ${au.n} | ${ms(au.p50)} | ${ms(au.p95)} | ${ms(au.p99)} | ${r.auto.autoRows} AUTO rows (one per failed deploy, warm-up included) | p50 ≤ 1000 ms | ${au.p50 <= 1000 ? 'PASS' : 'FAIL'} |`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { optionsFromEnv, resolveOptions } = await import('./options.js');
  const { startPgServer } = await import('../../test-support/postgres.js');
  let o = resolveOptions(optionsFromEnv());
  const pg = o.adminUrl ? undefined : await startPgServer();
  if (pg) o = { ...o, adminUrl: pg.adminUrl };
  try {
    const services = Math.max(...(process.env.BENCH_SIZES ? o.sizes : [100]));
    const r = await benchIssue20(o, services, (m) => process.stderr.write(m + '\n'));
    console.log(['| # | measurement | services | n | p50 ms | p95 ms | p99 ms | result | budget | verdict |', '|---|---|---:|---:|---:|---:|---:|---|---|---|', ...issue20Rows(r)].join('\n'));
  } finally {
    await pg?.stop();
  }
  process.exit(0);
}
