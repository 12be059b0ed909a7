/**
 * The controller's view of Postgres: claims with FOR UPDATE SKIP LOCKED and a
 * per-service advisory lock, lease-fenced status updates (a worker that lost its
 * lease cannot overwrite anyone), and audit rows written in the same transaction
 * as the status change they describe. The only module here that speaks SQL.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { DeploymentStatus } from '@kubidu/core/domain/vocabulary';
import { LeaseLostError } from '../errors.js';
import { planClaim, type Candidate } from '../reconcile/plan-claim.js';

export interface ClaimedDeployment {
  id: string;
  resumed: boolean;
}

export interface DeploymentDetails {
  id: string;
  serviceId: string;
  projectId: string;
  projectSlug: string;
  serviceName: string;
  status: DeploymentStatus;
  source: 'API' | 'ROLLBACK' | 'GIT';
  imageUrl: string;
  port: number;
  replicas: number;
  cpuLimit: string | null;
  memoryLimit: string | null;
  rollbackFromId: string | null;
  /** ROLLBACK rows: `image` or `config` when only that part was restored (issue 10). */
  rollbackOnly?: 'image' | 'config' | null;
  actor: string;
  reason: string | null;
  manifestsCommitSha: string | null;
  attempts: number;
  env: Array<{ key: string; valueEncrypted: string; valueIv: string; isSecret: boolean }>;
}

export interface DeploymentStore {
  claim(workerId: string, leaseMs: number, limit: number): Promise<ClaimedDeployment[]>;
  load(id: string): Promise<DeploymentDetails | null>;
  heartbeat(id: string, workerId: string, leaseMs: number, statusMessage?: string): Promise<void>;
  recordCommit(id: string, workerId: string, sha: string, message: string, data: Record<string, unknown>): Promise<void>;
  finish(
    id: string,
    workerId: string,
    outcome: 'RUNNING' | 'FAILED',
    message: string,
    data: Record<string, unknown>,
  ): Promise<void>;
}

const CONTROLLER_ACTOR = 'kubidu-controller';

export function createDeploymentStore(ds: DataSource): DeploymentStore {
  async function audit(
    m: EntityManager,
    action: string,
    deploymentId: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await m.query(
      `INSERT INTO audit_logs (actor, action, project_id, service_id, deployment_id, data)
       SELECT $1, $2, s.project_id, s.id, d.id, $4::jsonb
       FROM deployments d JOIN services s ON s.id = d.service_id WHERE d.id = $3`,
      [CONTROLLER_ACTOR, action, deploymentId, JSON.stringify(data)],
    );
  }

  async function fenced(m: EntityManager, sql: string, params: unknown[]): Promise<void> {
    const [{ n }] = await m.query(`WITH u AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM u`, params);
    if (n !== 1) throw new LeaseLostError(`lost the lease on deployment ${params[0]}`);
  }

  return {
    async claim(workerId, leaseMs, limit) {
      return ds.transaction(async (m) => {
        const rows: Array<{ id: string; service_id: string; seq: string; status: 'QUEUED' | 'DEPLOYING' }> =
          await m.query(
            `SELECT id, service_id, seq, status FROM deployments
             WHERE status = 'QUEUED' OR (status = 'DEPLOYING' AND lease_expires_at < now())
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
          await m.query(
            `UPDATE deployments SET status = 'CANCELLED', finished_at = now(),
               status_message = $2 WHERE id = $1 AND status = 'QUEUED'`,
            [x.id, `Superseded by ${x.supersededBy.slice(0, 8)} before it started`],
          );
          await audit(m, 'DEPLOYMENT_CANCELLED', x.id, { supersededBy: x.supersededBy });
        }
        if (plan.claim.length > 0) {
          await m.query(
            `UPDATE deployments SET status = 'DEPLOYING', lease_owner = $2,
               lease_expires_at = now() + ($3::int * interval '1 millisecond'),
               started_at = coalesce(started_at, now()), attempts = attempts + 1,
               status_message = CASE WHEN status = 'DEPLOYING' THEN 'Resumed after a controller restart'
                                     ELSE 'Writing the manifests commit' END
             WHERE id = ANY($1::uuid[])`,
            [plan.claim.map((c) => c.id), workerId, leaseMs],
          );
        }
        return plan.claim.map((c) => ({ id: c.id, resumed: c.resumed }));
      });
    },

    async load(id) {
      const rows = await ds.query(
        `SELECT d.id, d.service_id, s.project_id, p.slug AS project_slug, s.name AS service_name,
                d.status, d.source, d.image_url, d.port, d.replicas, d.cpu_limit, d.memory_limit,
                d.rollback_from_id, d.rollback_only, d.actor, d.reason, d.manifests_commit_sha, d.attempts
         FROM deployments d JOIN services s ON s.id = d.service_id JOIN projects p ON p.id = s.project_id
         WHERE d.id = $1`,
        [id],
      );
      if (rows.length === 0) return null;
      const r = rows[0];
      const env = await ds.query(
        `SELECT key, value_encrypted, value_iv, is_secret FROM environment_variables
         WHERE deployment_id = $1 ORDER BY key`,
        [id],
      );
      return {
        id: r.id,
        serviceId: r.service_id,
        projectId: r.project_id,
        projectSlug: r.project_slug,
        serviceName: r.service_name,
        status: r.status,
        source: r.source,
        imageUrl: r.image_url,
        port: r.port,
        replicas: r.replicas,
        cpuLimit: r.cpu_limit,
        memoryLimit: r.memory_limit,
        rollbackFromId: r.rollback_from_id,
        rollbackOnly: r.rollback_only ?? null,
        actor: r.actor,
        reason: r.reason,
        manifestsCommitSha: r.manifests_commit_sha,
        attempts: r.attempts,
        env: env.map((e: Record<string, unknown>) => ({
          key: e.key as string,
          valueEncrypted: e.value_encrypted as string,
          valueIv: e.value_iv as string,
          isSecret: e.is_secret as boolean,
        })),
      };
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
        await fenced(
          m,
          `UPDATE deployments SET manifests_commit_sha = $3, status_message = $4
           WHERE id = $1 AND lease_owner = $2 AND status = 'DEPLOYING'`,
          [id, workerId, sha, message],
        );
        await audit(m, 'DEPLOYMENT_COMMITTED', id, { commitSha: sha, ...data });
      });
    },

    async finish(id, workerId, outcome, message, data) {
      await ds.transaction(async (m) => {
        await fenced(
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
          await audit(m, 'DEPLOYMENT_RUNNING', id, { ...data, replaced: replaced.map((r) => r.id) });
        } else {
          await audit(m, 'DEPLOYMENT_FAILED', id, { ...data, message });
        }
      });
    },
  };
}
