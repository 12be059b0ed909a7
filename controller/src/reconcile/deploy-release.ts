/**
 * Takes one claimed release (a project rolled back as one, issue 20) to its end: secrets →
 * ONE commit touching every service folder (trailers: one `Kubidu-Release`, one
 * `Kubidu-Deployment` per row) → one Argo CD sync per Application, in parallel, each watched
 * to RUNNING or FAILED on its own row; the store ends the release with its last row.
 * Idempotent like deploy-one: a recorded commit is not made again, and a pushed but
 * unrecorded one is found by its `Kubidu-Release` trailer after a restart.
 */
import { errorMessage, isRetryable, LeaseLostError } from '../errors.js';
import { authorFor, formatReleaseCommitMessage } from '../adapters/git/commit-message.js';
import { desiredStateOf } from './desired-state.js';
import type { ReleaseStore, ClaimedRelease } from '../store/release-store.js';
import type { DeploymentDetails } from '../store/deployment-store.js';
import type { DeployDeps, DesiredState } from './deploy-one.js';
import { eachLimited } from './each-limited.js';
import { NO_FAULT_PAUSE } from './fault-pause.js';

/** How many Argo CD syncs of one release are watched at once. */
const SYNC_CONCURRENCY = 32;

/** What the moment or release a release returns to reads as in its commit. */
function describeTarget(r: ClaimedRelease): string {
  if (r.toReleaseId) return `release ${r.toReleaseId.slice(0, 8)}`;
  return `the state at ${r.at ? new Date(r.at).toISOString() : 'an earlier moment'}`;
}

/** Builds the release step over the deploy step's dependencies and the release store. */
export function createReleaseStep(deps: DeployDeps & { releases: ReleaseStore }) {
  return async function deployRelease(rel: ClaimedRelease): Promise<void> {
    const heartbeat = setInterval(() => {
      deps.releases.heartbeatRelease(rel.id, deps.workerId, deps.leaseMs).catch(() => undefined);
    }, Math.max(250, Math.floor(deps.leaseMs / 3)));
    heartbeat.unref?.();
    const rows: DeploymentDetails[] = [];
    try {
      for (const d of await deps.store.loadMany(rel.rowIds)) if (d.status === 'DEPLOYING') rows.push(d);
      if (rows.length === 0) return;
      const projectSlug = rows[0].projectSlug;

      // 1. Env: plain values to Git, secret values as immutable Secrets (as deploy-one does).
      const desired: DesiredState[] = [];
      for (const d of rows) {
        const { desired: state, secret } = desiredStateOf(d, deps.secretBox);
        if (secret) await deps.secrets?.ensureSecret(secret.name, secret.values, secret.labels);
        desired.push(state);
      }

      // 2. One commit for every row, unless an earlier attempt made it.
      let sha = rows.find((d) => d.manifestsCommitSha)?.manifestsCommitSha ?? null;
      if (!sha && rel.attempts > 1) sha = await deps.manifests.findReleaseCommit(rel.id);
      if (!sha) {
        const message = formatReleaseCommitMessage({
          project: projectSlug,
          releaseId: rel.id,
          to: describeTarget(rel),
          actor: rel.actor,
          reason: rel.reason,
          rows: rows.map((d) => ({ service: d.serviceName, deploymentId: d.id, targetId: d.rollbackFromId ?? d.id, image: d.imageUrl })),
        });
        let attempt = 0;
        for (;;) {
          try {
            const res = await deps.manifests.writeMany(desired, message, authorFor(rel.actor));
            sha = res.sha;
            break;
          } catch (err) {
            if (!isRetryable(err) || ++attempt > 8) throw err;
            await new Promise((r) => setTimeout(r, Math.min(deps.retryMaxMs, deps.retryBaseMs * 2 ** attempt)));
          }
        }
        // Fault tests: the commit is on the remote, not yet recorded on any row.
        await (deps.faults ?? NO_FAULT_PAUSE).pause('after-push', rel.id);
      }
      const unrecorded = rows.filter((d) => d.manifestsCommitSha !== sha).map((d) => d.id);
      if (unrecorded.length > 0) {
        await deps.releases.recordReleaseCommit(rel.id, deps.workerId, sha!, unrecorded, `Committed ${sha!.slice(0, 8)} to the manifests repo (release ${rel.id.slice(0, 8)}, ${rows.length} services)`);
      }

      // 3. One sync per Application, in parallel; each row ends on its own, the release with the last.
      const commit = sha!;
      if (!deps.sync) {
        for (const d of rows) {
          await deps.store.finish(d.id, deps.workerId, 'RUNNING', `Committed ${commit.slice(0, 8)} to the manifests repo (release ${rel.id.slice(0, 8)}); no sync engine is configured (ARGOCD_URL unset), so the deploy ends at the commit`, { commitSha: commit, sync: 'none', releaseId: rel.id });
        }
        return;
      }
      const sync = deps.sync;
      await eachLimited(rows, SYNC_CONCURRENCY, async (d) => {
        const appName = sync.appNameFor(d.projectSlug, d.serviceName);
        let out;
        try {
          out = await sync.run({
            appName,
            commitSha: commit,
            deploymentId: d.id,
            actor: d.actor,
            reason: d.reason,
            onStatus: (m) => deps.store.heartbeat(d.id, deps.workerId, deps.leaseMs, m),
          });
        } catch (err) {
          if (err instanceof LeaseLostError) throw err;
          out = { outcome: 'FAILED' as const, message: errorMessage(err) };
        }
        await deps.store.finish(d.id, deps.workerId, out.outcome, out.message, { commitSha: commit, argoApp: appName, releaseId: rel.id });
      });
    } catch (err) {
      if (err instanceof LeaseLostError) {
        deps.logger.warn({ releaseId: rel.id }, err.message);
        return;
      }
      if (!isRetryable(err)) {
        // Terminal (a conflict, bad credentials): every row still ours ends FAILED; the release with them.
        const msg = errorMessage(err);
        deps.logger.warn({ releaseId: rel.id }, `release failed: ${msg}`);
        for (const d of rows) await deps.store.finish(d.id, deps.workerId, 'FAILED', msg, { releaseId: rel.id }).catch(() => undefined);
        return;
      }
      deps.logger.error({ releaseId: rel.id, err: errorMessage(err) }, 'release step crashed; will be resumed');
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  };
}
