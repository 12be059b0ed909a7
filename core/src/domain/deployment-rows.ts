/**
 * The deployment row as every reader selects it, declared once: its TypeScript
 * shape, the column list that produces it, and the lookups more than one door
 * needs (by id, the current one, by idempotency key).
 */
import type { EntityManager } from 'typeorm';
import type { ClientName, DeploymentSource, DeploymentStatus, RollbackOnly } from './vocabulary.js';

/** A deployment row as selected by DEPLOYMENT_COLUMNS. */
export interface DeploymentRow {
  id: string;
  seq: string;
  serviceId: string;
  status: DeploymentStatus;
  source: DeploymentSource;
  imageUrl: string;
  commitSha: string | null;
  commitMessage: string | null;
  port: number;
  replicas: number;
  cpuLimit: string | null;
  memoryLimit: string | null;
  rollbackFromId: string | null;
  revertsDeploymentId: string | null;
  warning: string | null;
  createdById: string | null;
  actor: string;
  manifestsCommitSha: string | null;
  statusMessage: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  badReason: string | null;
  markedBadAt: Date | null;
  markedBadBy: string | null;
  rollbackOnly: RollbackOnly | null;
  via: ClientName | null;
  holdOverridden: boolean;
  /** The source of the deployment this row's commit reverted (GIT rows from a `git revert`). */
  revertsSource: DeploymentSource | null;
}

const BASE_COLUMNS = `d.id, d.seq::text AS seq, d.service_id AS "serviceId", d.status, d.source,
  d.image_url AS "imageUrl", d.commit_sha AS "commitSha", d.commit_message AS "commitMessage", d.port, d.replicas,
  d.cpu_limit AS "cpuLimit", d.memory_limit AS "memoryLimit", d.rollback_from_id AS "rollbackFromId",
  d.reverts_deployment_id AS "revertsDeploymentId", d.warning,
  d.created_by_id AS "createdById", d.actor, d.manifests_commit_sha AS "manifestsCommitSha",
  d.status_message AS "statusMessage", d.reason, d.idempotency_key AS "idempotencyKey",
  d.created_at AS "createdAt", d.started_at AS "startedAt", d.finished_at AS "finishedAt",
  d.bad_reason AS "badReason", d.marked_bad_at AS "markedBadAt", d.marked_bad_by AS "markedBadBy",
  d.rollback_only AS "rollbackOnly", d.via, d.hold_overridden AS "holdOverridden"`;

/** SELECT list (table alias `d`) that yields a DeploymentRow. */
export const DEPLOYMENT_COLUMNS = `${BASE_COLUMNS},
  (SELECT r.source FROM deployments r WHERE r.id = d.reverts_deployment_id) AS "revertsSource"`;

/** RETURNING list of an INSERT INTO deployments that yields a DeploymentRow. */
export const DEPLOYMENT_RETURNING = `${BASE_COLUMNS.replace(/\bd\./g, '')},
  (SELECT r.source FROM deployments r WHERE r.id = reverts_deployment_id) AS "revertsSource"`;

/** One row by id, or null. */
export async function deploymentById(em: EntityManager, id: string): Promise<DeploymentRow | null> {
  const [row] = await em.query(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.id = $1`, [id]);
  return row ?? null;
}

/** The service's current deployment: its newest RUNNING row (partial index on RUNNING rows). */
export async function currentDeploymentId(em: EntityManager, serviceId: string): Promise<string | null> {
  const [row] = await em.query(
    `SELECT id FROM deployments WHERE service_id = $1 AND status = 'RUNNING' ORDER BY seq DESC LIMIT 1`,
    [serviceId],
  );
  return row?.id ?? null;
}

/** The service's current deployment row (its newest RUNNING one), or null: currentDeploymentId and deploymentById in one read. */
export async function currentDeployment(em: EntityManager, serviceId: string): Promise<DeploymentRow | null> {
  const [row] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.service_id = $1 AND d.status = 'RUNNING' ORDER BY d.seq DESC LIMIT 1`,
    [serviceId],
  );
  return row ?? null;
}

/** The row a user made with this Idempotency-Key, if any. */
export async function deploymentByIdempotencyKey(em: EntityManager, userId: string, key: string): Promise<DeploymentRow | null> {
  const [row] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.created_by_id = $1 AND d.idempotency_key = $2`,
    [userId, key],
  );
  return row ?? null;
}
