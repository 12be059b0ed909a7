/**
 * Creating deployment rows, written once for every door: the API's deploys and
 * rollbacks and the git door's imported commits all insert through
 * `insertDeployment` (the row and its env in the caller's transaction), and a
 * deploy's whole rule set (hold, bad image, audit) is `createDeploy`.
 */
import type { EntityManager } from 'typeorm';
import type { AuditWriter } from './audit.js';
import { DEPLOYMENT_RETURNING, deploymentByIdempotencyKey, type DeploymentRow } from './deployment-rows.js';
import { DeployHeldError, ImageMarkedBadError } from './deployment-errors.js';
import { assertEnvChange, inheritedDeployment, mergeEnv } from './deploy-config.js';
import { insertSealedEnv, type SealedEnvRow } from './env-rows.js';
import { holdOf } from './holds.js';
import { replayDiffers, requestHash } from './request-hash.js';
import { AUDIT_ACTIONS, type ClientName, type DeploymentSource, type RollbackOnly } from './vocabulary.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { ConflictError } from '../errors.js';

/** The columns of a new deployment row; unset ones are NULL (or the column default). */
export interface NewDeployment {
  serviceId: string;
  status: 'QUEUED' | 'FAILED';
  source: DeploymentSource;
  imageUrl: string;
  port: number;
  replicas: number;
  actor: string;
  createdById?: string | null;
  commitSha?: string | null;
  commitMessage?: string | null;
  cpuLimit?: string | null;
  memoryLimit?: string | null;
  rollbackFromId?: string | null;
  rollbackOnly?: RollbackOnly | null;
  revertsDeploymentId?: string | null;
  manifestsCommitSha?: string | null;
  statusMessage?: string | null;
  warning?: string | null;
  reason?: string | null;
  idempotencyKey?: string | null;
  /** request-hash.ts: what the Idempotency-Key was first used for. */
  requestHash?: string | null;
  via?: ClientName | null;
  holdOverridden?: boolean;
  /** AUTO rows: the failed deploy undone (unique). */
  autoRollbackOf?: string | null;
  /** Rows of a release rollback. */
  releaseId?: string | null;
}

const COLUMNS: Array<[keyof NewDeployment, string]> = [
  ['serviceId', 'service_id'],
  ['status', 'status'],
  ['source', 'source'],
  ['imageUrl', 'image_url'],
  ['port', 'port'],
  ['replicas', 'replicas'],
  ['actor', 'actor'],
  ['createdById', 'created_by_id'],
  ['commitSha', 'commit_sha'],
  ['commitMessage', 'commit_message'],
  ['cpuLimit', 'cpu_limit'],
  ['memoryLimit', 'memory_limit'],
  ['rollbackFromId', 'rollback_from_id'],
  ['rollbackOnly', 'rollback_only'],
  ['revertsDeploymentId', 'reverts_deployment_id'],
  ['manifestsCommitSha', 'manifests_commit_sha'],
  ['statusMessage', 'status_message'],
  ['warning', 'warning'],
  ['reason', 'reason'],
  ['idempotencyKey', 'idempotency_key'],
  ['requestHash', 'request_hash'],
  ['via', 'via'],
  ['holdOverridden', 'hold_overridden'],
  ['autoRollbackOf', 'auto_rollback_of'],
  ['releaseId', 'release_id'],
];

/**
 * Inserts one deployment row and its env rows (already sealed) in the caller's
 * transaction; the insert trigger NOTIFYs the controllers. A FAILED row is born
 * finished. A GIT row for a (service, commit) already imported is not inserted
 * again: the answer is then null (the webhook and the poll raced, or a run retried).
 */
export async function insertDeployment(em: EntityManager, d: NewDeployment, env: readonly SealedEnvRow[] = []): Promise<DeploymentRow | null> {
  const cols: string[] = [];
  const params: unknown[] = [];
  for (const [key, col] of COLUMNS) {
    const v = d[key];
    if (v === undefined) continue;
    cols.push(col);
    params.push(v);
  }
  const values = params.map((_, i) => `$${i + 1}`);
  if (d.status === 'FAILED') {
    cols.push('finished_at');
    values.push('now()');
  }
  const conflict = d.source === 'GIT' ? `ON CONFLICT (service_id, manifests_commit_sha) WHERE source = 'GIT' DO NOTHING` : '';
  const [row]: DeploymentRow[] = await em.query(
    `INSERT INTO deployments (${cols.join(', ')}) VALUES (${values.join(', ')}) ${conflict} RETURNING ${DEPLOYMENT_RETURNING}`,
    params,
  );
  if (!row) return null;
  await insertSealedEnv(em, row.id, env);
  return row;
}

/** 409 `IMAGE_MARKED_BAD` when `image` is exactly the image of a deployment of this service marked bad. */
export async function assertImageNotBad(em: EntityManager, serviceId: string, image: string): Promise<void> {
  const [bad] = await em.query(
    `SELECT id, bad_reason FROM deployments WHERE service_id = $1 AND image_url = $2 AND marked_bad_at IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    [serviceId, image],
  );
  if (bad) throw new ImageMarkedBadError(bad.id, bad.bad_reason ?? '');
}

/**
 * A person's deploy of a new image (already validated at the door). It changes
 * only what it names: port, replicas and limits left out, and every env row not
 * set or unset, come from the service's current deployment (deploy-config.ts).
 */
export interface DeployRequest {
  /** The service, locked FOR UPDATE by the caller so a rollback's hold and this deploy serialize. */
  service: { id: string; projectId: string; port: number };
  actor: { id: string; name: string };
  image: string;
  /** Plain variables set on top of the inherited ones. */
  env?: Record<string, string>;
  /** Secret variables set on top of the inherited ones. */
  secrets?: Record<string, string>;
  /** Inherited keys to remove. */
  unset?: readonly string[];
  /** `env` and `secrets` are the whole set: nothing inherited. */
  replaceEnv?: boolean;
  port?: number;
  replicas?: number;
  cpuLimit?: string;
  memoryLimit?: string;
  commitSha?: string;
  commitMessage?: string;
  reason?: string;
  /** Deploy even though a rollback holds deploys of this service (the hold stays). */
  override?: boolean;
  idempotencyKey?: string;
  via: ClientName;
}

/** What createDeploy and createRollback need: the audit writer and the key that seals env values. */
export interface DomainDeps {
  audit: AuditWriter;
  secretBox: SecretBox;
}

/** A write's outcome: the row, and whether it answers an earlier request with the same Idempotency-Key. */
export interface CreatedDeployment {
  row: DeploymentRow;
  replayed: boolean;
}

/** The keyed hash of a deploy request as the caller sent it (not the `via` it came through). */
function deployRequestHash(box: SecretBox, req: DeployRequest): string {
  const { service, actor: _actor, via: _via, idempotencyKey: _key, ...fields } = req;
  return requestHash(box, 'deploy', { serviceId: service.id, ...fields });
}

/** 409 for an Idempotency-Key already used for a different request. */
export function idempotencyConflict(): ConflictError {
  return new ConflictError('This Idempotency-Key was already used for a different request', { header: 'idempotency-key' });
}

/**
 * Queues a deploy: replays an earlier request with the same Idempotency-Key,
 * refuses a held service (unless overridden) and a bad image, inserts the QUEUED
 * row — settings and env inherited from the current deployment, the request's on
 * top — and audits it (plus the override) with the keys set, unset and kept.
 */
export async function createDeploy(em: EntityManager, deps: DomainDeps, req: DeployRequest): Promise<CreatedDeployment> {
  const { service, actor } = req;
  assertEnvChange(req);
  const hash = req.idempotencyKey === undefined ? null : deployRequestHash(deps.secretBox, req);
  if (req.idempotencyKey !== undefined) {
    const existing = await deploymentByIdempotencyKey(em, actor.id, req.idempotencyKey);
    if (existing) {
      if (existing.source !== 'API' || existing.serviceId !== service.id) throw idempotencyConflict();
      if (await replayDiffers(em, existing.id, hash!)) throw idempotencyConflict();
      return { row: existing, replayed: true };
    }
  }
  const hold = await holdOf(em, service.id);
  if (hold && !req.override) {
    throw new DeployHeldError({ ...hold, createdAt: new Date(hold.createdAt).toISOString() }, service.id);
  }
  await assertImageNotBad(em, service.id, req.image);
  // Config persists across deploys: what the request leaves out comes from the current deployment.
  const from = await inheritedDeployment(em, service.id);
  const env = await mergeEnv(em, deps.secretBox, from, req);
  const row = (await insertDeployment(
    em,
    {
      serviceId: service.id,
      status: 'QUEUED',
      source: 'API',
      imageUrl: req.image,
      commitSha: req.commitSha ?? null,
      commitMessage: req.commitMessage ?? null,
      port: req.port ?? from?.port ?? service.port,
      replicas: req.replicas ?? from?.replicas ?? 1,
      cpuLimit: req.cpuLimit ?? from?.cpuLimit ?? null,
      memoryLimit: req.memoryLimit ?? from?.memoryLimit ?? null,
      createdById: actor.id,
      actor: actor.name,
      reason: req.reason ?? null,
      idempotencyKey: req.idempotencyKey ?? null,
      requestHash: hash,
      via: req.via,
      holdOverridden: hold !== null,
    },
    env.rows,
  ))!;
  const who = { actorId: actor.id, actor: actor.name, projectId: service.projectId, serviceId: service.id, deploymentId: row.id };
  if (hold) {
    await deps.audit.append(em, {
      ...who,
      action: AUDIT_ACTIONS.holdOverridden,
      data: { rollbackId: hold.rollbackId, heldBy: hold.heldBy, imageUrl: req.image, reason: req.reason ?? null, via: req.via },
    });
  }
  await deps.audit.append(em, {
    ...who,
    action: AUDIT_ACTIONS.deploymentCreated,
    data: {
      imageUrl: req.image,
      envKeys: Object.keys(req.env ?? {}).sort(),
      secretKeys: Object.keys(req.secrets ?? {}).sort(),
      unsetKeys: env.unset,
      keptKeys: env.kept,
      inheritedFrom: from?.id ?? null,
      ...(req.replaceEnv ? { replaceEnv: true } : {}),
      reason: req.reason ?? null,
    },
  });
  return { row, replayed: false };
}
