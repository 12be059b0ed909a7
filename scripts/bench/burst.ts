/**
 * Sections 3 and 4: N rollbacks on N distinct services fired at once — with one
 * in-process controller, then with two controller processes on one database —
 * and what the remote shows afterwards: commits, pushes, retries, lost updates,
 * force pushes, and whether each deployment was handled exactly once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './options.js';
import { startStack, type Stack } from './setup.js';
import { advanceTarget, ended, pushed, rollback, waitRows } from './fleet.js';
import { spawnController, warmChildren } from './controller-child.js';
import { PROJECT } from './repo.js';
import { git, now, pick } from './util.js';

/** One burst's figures, checked on the remote and in the database. */
export interface BurstResult {
  count: number;
  wallMs: number;
  /** when the last of the N requests was answered (202), from the first sent */
  acceptedMs: number;
  commits: number;
  pushes: number;
  retries: number;
  lost: number;
  forcePushes: number;
  /** deployments whose trailer appears on exactly one commit, row RUNNING, attempts 1, one COMMITTED audit row */
  exactlyOnce: number;
  duplicates: number;
  notEnded: number;
  perWorker: Record<string, number>;
}

async function reflogLines(bare: string): Promise<string[]> {
  try {
    return readFileSync(join(bare, 'logs/refs/heads/main'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

async function isAncestor(bare: string, a: string, b: string): Promise<boolean> {
  if (/^0+$/.test(a)) return true;
  try {
    await git(bare, 'merge-base', '--is-ancestor', a, b);
    return true;
  } catch {
    return false;
  }
}

async function burst(s: Stack, count: number, shaOwner: (sha: string) => string | undefined): Promise<BurstResult> {
  const idx = pick(s.services, count);
  const before = (await git(s.bare, 'rev-parse', 'main')).trim();
  const reflogBefore = (await reflogLines(s.bare)).length;
  const pushesBefore = s.git.requests['receive-pack'] ?? 0;
  const rejectedBefore = s.rec.rejected;
  const t0 = now();
  const ids = await Promise.all(idx.map((i) => rollback(s, i)));
  const acceptedMs = now() - t0;
  const rows = await waitRows(s.ds, ids, pushed, 600_000);
  const tPushed = Math.max(...rows.map((r: any) => s.rec.pushes.get(r.manifests_commit_sha)?.at ?? now()));
  const wallMs = tPushed - t0;
  const final = await waitRows(s.ds, ids, ended, 600_000);
  const after = (await git(s.bare, 'rev-parse', 'main')).trim();
  // Commits and trailers on the remote.
  const out = await git(s.bare, 'log', '--format=%H%x1f%B%x1e', `${before}..${after}`);
  const commits = out.split('\x1e').map((c) => c.trim()).filter(Boolean);
  const trailerCount = new Map<string, number>();
  for (const c of commits) {
    for (const m of c.matchAll(/^Kubidu-Deployment: (\S+)$/gm)) trailerCount.set(m[1], (trailerCount.get(m[1]) ?? 0) + 1);
  }
  // Every change on the tip (lost updates): the service's image tag is the target's.
  let lost = 0;
  const images: Array<{ id: string; image_url: string; name: string }> = await s.ds.query(
    `SELECT d.id, d.image_url, s.name FROM deployments d JOIN services s ON s.id = d.service_id WHERE d.id = ANY($1::uuid[])`,
    [ids],
  );
  for (const r of images) {
    const text = await git(s.bare, 'show', `${after}:apps/${PROJECT}/${r.name}/kustomization.yaml`).catch(() => '');
    const tag = r.image_url.split(':').pop()!;
    if (!new RegExp(`newTag: "?${tag.replace(/\./g, '\\.')}"?\\n`).test(text)) lost++;
  }
  // Force pushes: every ref update in the window must be a fast-forward.
  const reflog = (await reflogLines(s.bare)).slice(reflogBefore);
  let forcePushes = 0;
  for (const l of reflog) {
    const [oldSha, newSha] = l.split(' ');
    if (!(await isAncestor(s.bare, oldSha, newSha))) forcePushes++;
  }
  const audits: Array<{ deployment_id: string; n: number; attempts: number }> = await s.ds.query(
    `SELECT deployment_id, count(*)::int AS n, max(coalesce((data->>'attempts')::int, 1))::int AS attempts
     FROM audit_logs WHERE action = 'DEPLOYMENT_COMMITTED' AND deployment_id = ANY($1::uuid[]) GROUP BY deployment_id`,
    [ids],
  );
  const auditBy = new Map(audits.map((a) => [a.deployment_id, a]));
  let exactlyOnce = 0;
  let duplicates = 0;
  let notEnded = 0;
  const perWorker: Record<string, number> = {};
  for (const r of final) {
    const n = trailerCount.get(r.id) ?? 0;
    const a = auditBy.get(r.id);
    if (n > 1 || (a?.n ?? 0) > 1) duplicates++;
    if (!['RUNNING', 'SUCCESS'].includes(r.status)) notEnded++;
    if (n === 1 && a?.n === 1 && r.attempts === 1 && ['RUNNING', 'SUCCESS'].includes(r.status)) exactlyOnce++;
    const w = shaOwner(r.manifests_commit_sha) ?? '?';
    perWorker[w] = (perWorker[w] ?? 0) + 1;
  }
  for (const [k, i] of idx.entries()) await advanceTarget(s, i, ids[k]);
  return {
    count: ids.length,
    wallMs,
    acceptedMs,
    commits: commits.length,
    pushes: (s.git.requests['receive-pack'] ?? 0) - pushesBefore,
    // Rejected pushes rebuilt on the new tip (the adapter logs each; the COMMITTED audit keeps attempts).
    retries: Math.max(s.rec.rejected - rejectedBefore, audits.reduce((acc, a) => acc + Math.max(0, a.attempts - 1), 0)),
    lost,
    forcePushes,
    exactlyOnce,
    duplicates,
    notEnded,
    perWorker,
  };
}

/** Section 3: one in-process controller, no sync engine (rows end at the commit). */
export async function benchBurst(o: BenchOptions, services: number, log: (m: string) => void): Promise<BurstResult> {
  const s = await startStack(o, services, { argo: false, controller: true });
  try {
    // Warm the controller's object store (its first commit does the depth-1 fetch).
    for (const i of pick(services, 2)) {
      const id = await rollback(s, i);
      await waitRows(s.ds, [id], ended, 300_000);
      await advanceTarget(s, i, id);
    }
    const r = await burst(s, o.burst, () => 'in-process');
    log(`  burst of ${r.count}: all pushed in ${r.wallMs.toFixed(0)} ms, ${r.commits} commits, ${r.pushes} pushes, ${r.retries} retries`);
    return r;
  } finally {
    await s.stop();
  }
}

/** Section 4: two controller processes sharing one database, no sync engine. */
export async function benchTwoControllers(o: BenchOptions, services: number, log: (m: string) => void): Promise<BurstResult> {
  const s = await startStack(o, services, { argo: false, controller: false });
  const children = [spawnController(s, 'controller-a'), spawnController(s, 'controller-b')];
  try {
    await Promise.all(children.map((c) => c.ready));
    await warmChildren(s, children);
    const owner = (sha: string) => children.find((c) => c.pushes.has(sha))?.name;
    const r = await burst(s, o.burst, owner);
    log(`  two controllers, burst of ${r.count}: all pushed in ${r.wallMs.toFixed(0)} ms (the last 202 at ${r.acceptedMs.toFixed(0)} ms), ${r.commits} commits, ${r.pushes} pushes; ${r.exactlyOnce} exactly once, ${r.duplicates} duplicates, split ${JSON.stringify(r.perWorker)}`);
    return r;
  } finally {
    for (const c of children) await c.stop();
    await s.stop();
  }
}
