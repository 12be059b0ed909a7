/**
 * The controller's view of Postgres: claims with FOR UPDATE SKIP LOCKED and a
 * per-service advisory lock, lease-fenced status updates (a worker that lost its
 * lease cannot overwrite anyone), and audit rows written in the same transaction
 * as the status change they describe. The only module here that speaks SQL.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { auditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from '@kubidu/core/domain/deployment-rows';
import { envOfDeployments, type SealedEnvRow } from '@kubidu/core/domain/env-rows';
import { releaseHold } from '@kubidu/core/domain/holds';
import { autoRollbackAfterFailure, describeAutoRollback } from '@kubidu/core/domain/auto-rollbacks';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { randomBytes } from 'node:crypto';
import { AUDIT_ACTIONS, CONTROLLER_ACTOR, NOTIFY_CHANNELS, type AuditAction } from '@kubidu/core/domain/vocabulary';
import { LeaseLostError } from '../errors.js';
import { settleRelease } from './release-store.js';
import { planClaim, type Candidate } from './plan-claim.js';

export interface ClaimedDeployment {
  id: string;
  resumed: boolean;
}

/** A claimed deployment as the deploy step needs it: the row, where it lives, and its env as stored. */
export type DeploymentDetails = Pick<
  DeploymentRow,
  | 'id'
  | 'serviceId'
  | 'status'
  | 'source'
  | 'imageUrl'
  | 'port'
  | 'replicas'
  | 'cpuLimit'
  | 'memoryLimit'
  | 'rollbackFromId'
  | 'rollbackOnly'
  | 'actor'
  | 'reason'
  | 'commitMessage'
  | 'manifestsCommitSha'
  | 'createdAt'
> & {
  projectId: string;
  projectSlug: string;
  serviceName: string;
  attempts: number;
  env: SealedEnvRow[];
};

export interface DeploymentStore {
  claim(workerId: string, leaseMs: number, limit: number): Promise<ClaimedDeployment[]>;
  load(id: string): Promise<DeploymentDetails | null>;
  /** Several rows in two queries (a release's rows); missing ids are left out. */
  loadMany(ids: string[]): Promise<DeploymentDetails[]>;
  heartbeat(id: string, workerId: string, leaseMs: number, statusMessage?: string): Promise<void>;
  recordCommit(id: string, workerId: string, sha: string, message: string, data: Record<string, unknown>): Promise<void>;
  /**
   * Ends the row. `opts.argoFailure` (FAILED only): Argo CD itself declared the deploy failed, with
   * this message; a service that opted in is rolled back automatically in the same transaction.
   */
  finish(
    id: string,
    workerId: string,
    outcome: 'RUNNING' | 'FAILED',
    message: string,
    data: Record<string, unknown>,
    opts?: { argoFailure?: string },
  ): Promise<void>;
  /**
   * Gives back the leases this worker holds on `ids` (a controller shutting down with
   * steps still running): the rows become claimable at once instead of after the lease
   * timeout, and a NOTIFY wakes the other replicas. The worker's later writes to them
   * are fenced out. Returns the ids actually handed back.
   */
  releaseLeases(ids: string[], workerId: string): Promise<string[]>;
}

/** Where a deployment lives, for its audit rows. */
interface RowPlace {
  deploymentId: string;
  serviceId: string;
  projectId: string;
}

/**
 * The controller's store; `audit` is core's one audit writer unless a test hands in another.
 * `secretBox` is the domain's (createRollback hashes idempotent requests with it; Kubidu's own
 * automatic rollbacks send no Idempotency-Key, so a throwaway key serves when none is given).
 */
export function createDeploymentStore(ds: DataSource, audit: AuditWriter = auditWriter, secretBox?: SecretBox): DeploymentStore {
  const domain = { audit, secretBox: secretBox ?? new SecretBox(randomBytes(32)) };
  async function record(m: EntityManager, action: AuditAction, at: RowPlace, data: Record<string, unknown>): Promise<void> {
    await audit.append(m, {
      actorId: null,
      actor: CONTROLLER_ACTOR,
      action,
      projectId: at.projectId,
      serviceId: at.serviceId,
      deploymentId: at.deploymentId,
      data,
    });
  }

  /** Runs a lease-fenced UPDATE of one row; answers where the row lives, or throws LeaseLostError. */
  async function fenced(m: EntityManager, sql: string, params: unknown[]): Promise<RowPlace> {
    const rows: RowPlace[] = await m.query(
      `WITH u AS (${sql} RETURNING id, service_id)
       SELECT u.id AS "deploymentId", u.service_id AS "serviceId", s.project_id AS "projectId" FROM u JOIN services s ON s.id = u.service_id`,
      params,
    );
    if (rows.length !== 1) throw new LeaseLostError(`lost the lease on deployment ${params[0]}`);
    return rows[0];
  }

  /** The rows with where they live and their env as stored, in `ids` order (two queries whatever the count). */
  async function loadRows(ids: string[]): Promise<DeploymentDetails[]> {
    if (ids.length === 0) return [];
    const rows: any[] = await ds.query(
      `SELECT ${DEPLOYMENT_COLUMNS}, s.project_id AS "projectId", p.slug AS "projectSlug", s.name AS "serviceName", d.attempts
       FROM deployments d JOIN services s ON s.id = d.service_id JOIN projects p ON p.id = s.project_id
       WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
    const env = await envOfDeployments(ds.manager, rows.map((r) => r.id));
    const byId = new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          serviceId: r.serviceId,
          projectId: r.projectId,
          projectSlug: r.projectSlug,
          serviceName: r.serviceName,
          status: r.status,
          source: r.source,
          imageUrl: r.imageUrl,
          port: r.port,
          replicas: r.replicas,
          cpuLimit: r.cpuLimit,
          memoryLimit: r.memoryLimit,
          rollbackFromId: r.rollbackFromId,
          rollbackOnly: r.rollbackOnly ?? null,
          actor: r.actor,
          reason: r.reason,
          commitMessage: r.commitMessage,
          manifestsCommitSha: r.manifestsCommitSha,
          createdAt: r.createdAt,
          attempts: r.attempts,
          env: env.get(r.id) ?? [],
        } satisfies DeploymentDetails,
      ]),
    );
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  return {
    async claim(workerId, leaseMs, limit) {
      return ds.transaction(async (m) => {
        const rows: Array<{ id: string; service_id: string; seq: string; status: 'QUEUED' | 'DEPLOYING' }> =
          await m.query(
            `SELECT id, service_id, seq, status FROM deployments
             WHERE (status = 'QUEUED' OR (status = 'DEPLOYING' AND lease_expires_at < now())) AND release_id IS NULL
             ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
            [limit * 5],
          );
        if (rows.length === 0) return [];
        const serviceIds = [...new Set(rows.map((r) => r.service_id))];
        const unavailable = new Set<string>();
        const busy: Array<{ service_id: string }> = await m.query(
          `SELECT DISTINCT service_id FROM deployments
           WHERE service_id = ANY($1::uuid[]) AND status = 'DEPLOYING' AND lease_expires_at >= now()`,
          [serviceIds],
        );
        for (const b of busy) unavailable.add(b.service_id);
        for (const sid of serviceIds) {
          if (unavailable.has(sid)) continue;
          const [{ ok }] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok`, [sid]);
          if (!ok) unavailable.add(sid);
        }
        const candidates: Candidate[] = rows.map((r) => ({
          id: r.id,
          serviceId: r.service_id,
          seq: BigInt(r.seq),
          status: r.status,
        }));
        const plan = planClaim(candidates, unavailable, limit);
        for (const x of plan.cancel) {
          const [at]: RowPlace[] = await m.query(
            `WITH u AS (UPDATE deployments SET status = 'CANCELLED', finished_at = now(),
               status_message = $2 WHERE id = $1 AND status = 'QUEUED' RETURNING id, service_id)
             SELECT u.id AS "deploymentId", u.service_id AS "serviceId", s.project_id AS "projectId" FROM u JOIN services s ON s.id = u.service_id`,
            [x.id, `Superseded by ${x.supersededBy.slice(0, 8)} before it started`],
          );
          if (at) await record(m, AUDIT_ACTIONS.deploymentCancelled, at, { supersededBy: x.supersededBy });
        }
        if (plan.claim.length > 0) {
          await m.query(
            `UPDATE deployments SET status = 'DEPLOYING', lease_owner = $2,
               lease_expires_at = now() + ($3::int * interval '1 millisecond'),
               started_at = coalesce(started_at, now()), attempts = attempts + 1,
               status_message = CASE WHEN status = 'DEPLOYING' THEN 'Resumed after a controller restart'
                                     WHEN source = 'GIT' THEN 'Deploying the imported commit'
                                     ELSE 'Writing the manifests commit' END
             WHERE id = ANY($1::uuid[])`,
            [plan.claim.map((c) => c.id), workerId, leaseMs],
          );
        }
        return plan.claim.map((c) => ({ id: c.id, resumed: c.resumed }));
      });
    },

    async load(id) {
      return (await loadRows([id]))[0] ?? null;
    },

    loadMany: (ids) => loadRows(ids),

    async releaseLeases(ids, workerId) {
      if (ids.length === 0) return [];
      const rows: Array<{ id: string }> = await ds.query(
        `WITH u AS (
           UPDATE deployments SET lease_owner = NULL, lease_expires_at = now() - interval '1 millisecond',
             status_message = 'Handed back by a controller that was shutting down; another one resumes it'
           WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'DEPLOYING'
           RETURNING id)
         SELECT id FROM u`,
        [ids, workerId],
      );
      for (const r of rows) await ds.query(`SELECT pg_notify($1, $2)`, [NOTIFY_CHANNELS.deployments, r.id]);
      return rows.map((r) => r.id);
    },

    async heartbeat(id, workerId, leaseMs, statusMessage) {
      await fenced(
        ds.manager,
        `UPDATE deployments SET lease_expires_at = now() + ($3::int * interval '1 millisecond'),
           status_message = coalesce($4, status_message)
         WHERE id = $1 AND lease_owner = $2 AND status = 'DEPLOYING'`,
        [id, workerId, leaseMs, statusMessage ?? null],
      );
    },

    async recordCommit(id, workerId, sha, message, data) {
      await ds.transaction(async (m) => {
        const at = await fenced(
          m,
          `UPDATE deployments SET manifests_commit_sha = $3, status_message = $4
           WHERE id = $1 AND lease_owner = $2 AND status = 'DEPLOYING'`,
          [id, workerId, sha, message],
        );
        await record(m, AUDIT_ACTIONS.deploymentCommitted, at, { commitSha: sha, ...data });
      });
    },

    async finish(id, workerId, outcome, message, data, opts = {}) {
      await ds.transaction(async (m) => {
        const at = await fenced(
          m,
          `UPDATE deployments SET status = $3, status_message = $4, finished_at = now(),
             lease_owner = NULL, lease_expires_at = NULL
           WHERE id = $1 AND lease_owner = $2 AND status = 'DEPLOYING'`,
          [id, workerId, outcome, message],
        );
        if (outcome === 'RUNNING') {
          const replaced: Array<{ id: string }> = await m.query(
            `WITH u AS (UPDATE deployments SET status = 'SUCCESS'
               WHERE service_id = (SELECT service_id FROM deployments WHERE id = $1)
                 AND status = 'RUNNING' AND id <> $1 RETURNING id) SELECT id FROM u`,
            [id],
          );
          await record(m, AUDIT_ACTIONS.deploymentRunning, at, { ...data, replaced: replaced.map((r) => r.id) });
        } else {
          await record(m, AUDIT_ACTIONS.deploymentFailed, at, { ...data, message });
          if (opts.argoFailure !== undefined) {
            // Same transaction as FAILED: a crash leaves both or neither, and the UNIQUE
            // auto_rollback_of makes a replay find the one already made.
            const auto = await autoRollbackAfterFailure(m, domain, id, opts.argoFailure);
            const note = describeAutoRollback(auto);
            if (note) await m.query(`UPDATE deployments SET status_message = status_message || '; ' || $2 WHERE id = $1`, [id, note]);
          }
          // A rollback that failed must not keep holding deploys (they are how the service gets fixed):
          // it releases its own hold, never a newer rollback's.
          await releaseHold(m, audit, { actorId: null, actor: CONTROLLER_ACTOR, projectId: at.projectId }, at.serviceId, {
            onlyRollbackId: id,
            data: { reason: 'the rollback failed', failure: message },
          });
        }
        // A row of a release rollback: the release ends with its last row.
        const [rel] = await m.query(`SELECT release_id FROM deployments WHERE id = $1`, [id]);
        if (rel?.release_id) await settleRelease(m, audit, rel.release_id);
      });
    },
  };
}
