/**
 * The controller's SQL for release rollbacks (issue 20, item 2): a release is claimed as one
 * (its rows leased together, every service's advisory lock taken, skipped while any of its
 * services is busy), its one commit is recorded on every row in one transaction, and when its
 * last row ends, `settleRelease` ends the release RUNNING or FAILED naming the failed services.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { auditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS, CONTROLLER_ACTOR, NOTIFY_CHANNELS } from '@kubidu/core/domain/vocabulary';
import { LeaseLostError } from '../errors.js';

/** A claimed release: its id, its project, the rows this worker now holds, and how it was asked for. */
export interface ClaimedRelease {
  id: string;
  projectId: string;
  rowIds: string[];
  attempts: number;
  at: Date | null;
  toReleaseId: string | null;
  reason: string | null;
  actor: string;
}

export interface ReleaseStore {
  /** Claims the oldest release ready to go (QUEUED, or DEPLOYING with an expired lease), or null. */
  claimRelease(workerId: string, leaseMs: number): Promise<ClaimedRelease | null>;
  /** Extends the lease of the release and of its rows still DEPLOYING. */
  heartbeatRelease(id: string, workerId: string, leaseMs: number): Promise<void>;
  /** Records the one commit on the release and on each of `rowIds` (still ours), with an audit row each. */
  recordReleaseCommit(id: string, workerId: string, sha: string, rowIds: string[], message: string): Promise<void>;
  /**
   * Gives back this worker's leases on releases `ids` and on their rows still DEPLOYING (a
   * controller shutting down mid-release): another replica claims the release at once instead
   * of after the lease timeout, and resumes it (a pushed commit is found by its trailer).
   * Returns the release ids actually handed back.
   */
  releaseLeases(ids: string[], workerId: string): Promise<string[]>;
}

/**
 * Ends the release when its last row ended, in the caller's transaction (the row's FAILED or
 * RUNNING update): RUNNING when all rows are, else FAILED naming the services that failed.
 * The release row is locked, so rows finishing in parallel settle it exactly once.
 */
export async function settleRelease(m: EntityManager, audit: AuditWriter, releaseId: string): Promise<void> {
  const [rel] = await m.query(`SELECT id, project_id, status FROM releases WHERE id = $1 FOR UPDATE`, [releaseId]);
  if (!rel || rel.status === 'RUNNING' || rel.status === 'FAILED') return;
  const rows: Array<{ status: string; service: string }> = await m.query(
    `SELECT d.status, s.name AS service FROM deployments d JOIN services s ON s.id = d.service_id WHERE d.release_id = $1 ORDER BY s.name`,
    [releaseId],
  );
  if (rows.some((r) => r.status === 'QUEUED' || r.status === 'DEPLOYING')) return;
  const failed = rows.filter((r) => r.status !== 'RUNNING' && r.status !== 'SUCCESS').map((r) => r.service);
  const status = failed.length === 0 ? 'RUNNING' : 'FAILED';
  const message =
    failed.length === 0
      ? `All ${rows.length} services are running`
      : `${failed.length} of ${rows.length} services failed: ${failed.slice(0, 20).join(', ')}${failed.length > 20 ? ` and ${failed.length - 20} more` : ''}`;
  await m.query(
    `UPDATE releases SET status = $2, status_message = $3, finished_at = now(), lease_owner = NULL, lease_expires_at = NULL WHERE id = $1`,
    [releaseId, status, message],
  );
  await audit.append(m, {
    actorId: null,
    actor: CONTROLLER_ACTOR,
    action: AUDIT_ACTIONS.releaseFinished,
    projectId: rel.project_id,
    data: { releaseId, status, failed },
  });
}

/** How many ready releases one claim looks at (the oldest first). */
const CLAIM_CANDIDATES = 20;

/** A release ready to be claimed, as read in the claim's transaction. */
interface ReleaseCandidate { id: string; project_id: string; attempts: number; at: Date | null; to_release_id: string | null; reason: string | null; actor: string }

/** Leases release `rel` and its rows to `workerId` (in the claim's transaction) and answers what the step needs. */
async function claimOne(m: EntityManager, rel: ReleaseCandidate, rows: Array<{ id: string }>, workerId: string, leaseMs: number): Promise<ClaimedRelease> {
  await m.query(
    `UPDATE releases SET status = 'DEPLOYING', lease_owner = $2, lease_expires_at = now() + ($3::int * interval '1 millisecond'),
       attempts = attempts + 1, status_message = CASE WHEN status = 'DEPLOYING' THEN 'Resumed after a controller restart' ELSE 'Writing the release commit' END
     WHERE id = $1`,
    [rel.id, workerId, leaseMs],
  );
  await m.query(
    `UPDATE deployments SET status = 'DEPLOYING', lease_owner = $2, lease_expires_at = now() + ($3::int * interval '1 millisecond'),
       started_at = coalesce(started_at, now()), attempts = attempts + 1,
       status_message = CASE WHEN status = 'DEPLOYING' THEN 'Resumed after a controller restart' ELSE 'Writing the release commit' END
     WHERE id = ANY($1::uuid[])`,
    [rows.map((r) => r.id), workerId, leaseMs],
  );
  return {
    id: rel.id,
    projectId: rel.project_id,
    rowIds: rows.map((r) => r.id),
    attempts: rel.attempts + 1,
    at: rel.at,
    toReleaseId: rel.to_release_id,
    reason: rel.reason,
    actor: rel.actor,
  };
}

/** The release store over `ds`. */
export function createReleaseStore(ds: DataSource, audit: AuditWriter = auditWriter): ReleaseStore {
  return {
    async claimRelease(workerId, leaseMs) {
      return ds.transaction(async (m) => {
        // The oldest ready releases first. One that waits for a busy service does not hold up
        // another project's (services belong to one project, so those never overlap); a later
        // release of the same project never overtakes it.
        const candidates: ReleaseCandidate[] = await m.query(
          `SELECT id, project_id, attempts, at, to_release_id, reason, actor FROM releases
            WHERE status = 'QUEUED' OR (status = 'DEPLOYING' AND lease_expires_at < now())
            ORDER BY created_at LIMIT ${CLAIM_CANDIDATES} FOR UPDATE SKIP LOCKED`,
        );
        const waiting = new Set<string>();
        for (const rel of candidates) {
          if (waiting.has(rel.project_id)) continue;
          const rows: Array<{ id: string; service_id: string }> = await m.query(
            `SELECT id, service_id FROM deployments WHERE release_id = $1 AND status IN ('QUEUED', 'DEPLOYING') FOR UPDATE`,
            [rel.id],
          );
          const services = rows.map((r) => r.service_id);
          // A service busy with another row (its own lease still valid) waits; so does the whole release.
          const [busy] = await m.query(
            `SELECT 1 FROM deployments WHERE service_id = ANY($1::uuid[]) AND status = 'DEPLOYING' AND lease_expires_at >= now()
                AND release_id IS DISTINCT FROM $2 LIMIT 1`,
            [services, rel.id],
          );
          const [{ ok }] = busy
            ? [{ ok: false }]
            : await m.query(`SELECT coalesce(bool_and(pg_try_advisory_xact_lock(hashtext(s))), true) AS ok FROM unnest($1::text[]) s`, [services]);
          if (!ok) {
            waiting.add(rel.project_id);
            continue;
          }
          return claimOne(m, rel, rows, workerId, leaseMs);
        }
        return null;
      });
    },

    async releaseLeases(ids, workerId) {
      if (ids.length === 0) return [];
      const rows: Array<{ id: string }> = await ds.transaction(async (m) => {
        const back: Array<{ id: string }> = await m.query(
          `WITH u AS (
             UPDATE releases SET lease_owner = NULL, lease_expires_at = now() - interval '1 millisecond',
               status_message = 'Handed back by a controller that was shutting down; another one resumes it'
             WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'DEPLOYING' RETURNING id)
           SELECT id FROM u`,
          [ids, workerId],
        );
        await m.query(
          `UPDATE deployments SET lease_owner = NULL, lease_expires_at = now() - interval '1 millisecond'
           WHERE release_id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'DEPLOYING'`,
          [back.map((r) => r.id), workerId],
        );
        return back;
      });
      for (const r of rows) await ds.query(`SELECT pg_notify($1, $2)`, [NOTIFY_CHANNELS.deployments, r.id]);
      return rows.map((r) => r.id);
    },

    async heartbeatRelease(id, workerId, leaseMs) {
      const rows = await ds.query(
        `WITH r AS (UPDATE releases SET lease_expires_at = now() + ($3::int * interval '1 millisecond')
                     WHERE id = $1 AND lease_owner = $2 AND status = 'DEPLOYING' RETURNING id),
              d AS (UPDATE deployments SET lease_expires_at = now() + ($3::int * interval '1 millisecond')
                     WHERE release_id = $1 AND lease_owner = $2 AND status = 'DEPLOYING' RETURNING id)
         SELECT (SELECT count(*) FROM r)::int AS n`,
        [id, workerId, leaseMs],
      );
      if (rows[0].n !== 1) throw new LeaseLostError(`lost the lease on release ${id}`);
    },

    async recordReleaseCommit(id, workerId, sha, rowIds, message) {
      await ds.transaction(async (m) => {
        const [rel] = await m.query(
          // (A bare UPDATE … RETURNING answers [rows, count] through TypeORM: select from a CTE instead.)
          `WITH u AS (UPDATE releases SET manifests_commit_sha = $3, status_message = $4 WHERE id = $1 AND lease_owner = $2 AND status = 'DEPLOYING' RETURNING project_id)
           SELECT project_id FROM u`,
          [id, workerId, sha, message],
        );
        if (!rel) throw new LeaseLostError(`lost the lease on release ${id}`);
        const rows: Array<{ id: string; service_id: string }> = await m.query(
          `WITH u AS (UPDATE deployments SET manifests_commit_sha = $3, status_message = $4
            WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'DEPLOYING' RETURNING id, service_id) SELECT id, service_id FROM u`,
          [rowIds, workerId, sha, message],
        );
        if (rows.length !== rowIds.length) throw new LeaseLostError(`lost the lease on rows of release ${id}`);
        for (const r of rows) {
          await audit.append(m, {
            actorId: null,
            actor: CONTROLLER_ACTOR,
            action: AUDIT_ACTIONS.deploymentCommitted,
            projectId: rel.project_id,
            serviceId: r.service_id,
            deploymentId: r.id,
            data: { commitSha: sha, releaseId: id },
          });
        }
      });
    },
  };
}
