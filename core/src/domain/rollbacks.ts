/**
 * Creating a rollback, written once: the API's Rollback button and `kubidu
 * rollback`, and any rollback Kubidu itself makes, call `createRollback`. One
 * transaction: lock the service, replay an idempotent request, check the target
 * is eligible (the contract's rule: 400 failed or bad, 409 current), reuse a still-queued rollback to
 * the same target, insert the row (image and/or config from the target, env copied
 * as stored), set the deploy hold and write the audit rows.
 */
import type { EntityManager } from 'typeorm';
import { currentDeployment, deploymentById, deploymentByIdempotencyKey, DEPLOYMENT_COLUMNS, type DeploymentRow } from './deployment-rows.js';
import {
  NoCurrentDeploymentError,
  RollbackTargetBadError,
  RollbackTargetCurrentError,
  RollbackTargetInvalidError,
} from './deployment-errors.js';
import { replayDiffers, requestHash } from './request-hash.js';
import { assertImageNotBad, idempotencyConflict, insertDeployment, type CreatedDeployment, type DomainDeps } from './deployments.js';
import { copyEnv } from './env-rows.js';
import { setHold } from './holds.js';
import { AUDIT_ACTIONS, type ClientName, type RollbackOnly } from './vocabulary.js';
import { rollbackRefusal } from '../contract/rollback-rule.js';
import { NotFoundError } from '../errors.js';

/** A rollback as asked for; who may ask is the door's check, made before this call. */
export interface RollbackRequest {
  targetId: string;
  /** The person (or Kubidu itself, id null) acting: recorded on the row, the hold and the audit. */
  actor: { id: string | null; name: string };
  reason?: string;
  only?: RollbackOnly;
  idempotencyKey?: string;
  via: ClientName | null;
  /**
   * Kubidu's own rollback after a failed deploy (auto-rollbacks.ts): the row is source `AUTO` and
   * names the failed deploy. Its target may be the service's current row: the failed deploy already
   * replaced it in Git and in the cluster, so "current" in the database is no longer what runs.
   */
  auto?: { failedId: string };
  /** The release rollback this row belongs to (releases.ts); such a row never reuses a queued one. */
  releaseId?: string;
}

/**
 * Locks the service of deployment `targetId` FOR UPDATE (rollbacks and deploys of one service
 * serialize on it) and answers its id and project; null when there is no such deployment.
 */
async function lockServiceOf(em: EntityManager, targetId: string): Promise<{ serviceId: string; projectId: string } | null> {
  const [s] = await em.query(
    `SELECT id AS "serviceId", project_id AS "projectId" FROM services WHERE id = (SELECT service_id FROM deployments WHERE id = $1) FOR UPDATE`,
    [targetId],
  );
  return s ?? null;
}

/** Queues a rollback to `req.targetId` in the caller's transaction (see the module comment for the order of checks). */
export async function createRollback(em: EntityManager, deps: DomainDeps, req: RollbackRequest): Promise<CreatedDeployment> {
  const { targetId, actor, only } = req;
  const reason = req.reason ?? null;
  const locked = await lockServiceOf(em, targetId);
  if (!locked) throw new NotFoundError('DEPLOYMENT_NOT_FOUND', 'Deployment not found');
  const { serviceId, projectId } = locked;
  const hash = req.idempotencyKey === undefined ? null : requestHash(deps.secretBox, 'rollback', { targetId, only, reason: req.reason });
  if (req.idempotencyKey !== undefined && actor.id !== null) {
    const existing = await deploymentByIdempotencyKey(em, actor.id, req.idempotencyKey);
    if (existing) {
      if (existing.source !== 'ROLLBACK' || existing.rollbackFromId !== targetId || existing.rollbackOnly !== (only ?? null)) {
        throw idempotencyConflict();
      }
      if (await replayDiffers(em, existing.id, hash!)) throw idempotencyConflict();
      return { row: existing, replayed: true };
    }
  }
  // Re-read under the service lock: the controller may have moved it meanwhile.
  const target = (await deploymentById(em, targetId))!;
  const current = await currentDeployment(em, serviceId);
  const currentId = current?.id ?? null;
  // The contract's rule, the one every door shows as `canRollback`.
  const refusal = rollbackRefusal({ status: target.status, isCurrent: currentId === targetId && !req.auto, markedBad: target.markedBadAt !== null });
  if (refusal === 'ROLLBACK_TARGET_INVALID') throw new RollbackTargetInvalidError(target.status);
  if (refusal === 'ROLLBACK_TARGET_BAD') throw new RollbackTargetBadError(target.badReason ?? '');
  if (refusal === 'ROLLBACK_TARGET_CURRENT') throw new RollbackTargetCurrentError();
  if (only && !current) throw new NoCurrentDeploymentError(only);
  const [pending]: DeploymentRow[] = req.releaseId
    ? []
    : await em.query(
        `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d
          WHERE d.service_id = $1 AND d.rollback_from_id = $2 AND d.source IN ('ROLLBACK', 'AUTO') AND d.status = 'QUEUED'
            AND d.rollback_only IS NOT DISTINCT FROM $3
          ORDER BY d.seq DESC LIMIT 1`,
        [serviceId, targetId, only ?? null],
      );
  if (pending) return { row: pending, replayed: true };

  // image-only keeps the current env and settings; config-only keeps the current image.
  const imageFrom = only === 'config' ? current! : target;
  const configFrom = only === 'image' ? current! : target;
  await assertImageNotBad(em, serviceId, imageFrom.imageUrl);
  const row = (await insertDeployment(em, {
    serviceId,
    status: 'QUEUED',
    source: req.auto ? 'AUTO' : 'ROLLBACK',
    imageUrl: imageFrom.imageUrl,
    commitSha: imageFrom.commitSha,
    commitMessage: `Rollback to ${targetId.slice(0, 8)}${only ? ` (${only} only)` : ''}`,
    port: configFrom.port,
    replicas: configFrom.replicas,
    cpuLimit: configFrom.cpuLimit,
    memoryLimit: configFrom.memoryLimit,
    rollbackFromId: targetId,
    createdById: actor.id,
    actor: actor.name,
    reason,
    idempotencyKey: req.idempotencyKey ?? null,
    requestHash: hash,
    rollbackOnly: only ?? null,
    via: req.via,
    autoRollbackOf: req.auto?.failedId ?? null,
    releaseId: req.releaseId ?? null,
  }))!;
  await copyEnv(em, row.id, configFrom.id);
  // The hold's audit row goes first so the rollback's own row is the newest of the two.
  await setHold(em, deps.audit, { actorId: actor.id, actor: actor.name, projectId }, { serviceId, rollbackId: row.id, targetId, reason });
  await deps.audit.append(em, {
    actorId: actor.id,
    actor: actor.name,
    action: AUDIT_ACTIONS.deploymentRollback,
    projectId,
    serviceId,
    deploymentId: row.id,
    data: {
      targetId,
      serviceId,
      reason,
      ...(only ? { only } : {}),
      ...(req.auto ? { automatic: true, failedId: req.auto.failedId } : {}),
      ...(req.releaseId ? { releaseId: req.releaseId } : {}),
    },
  });
  return { row, replayed: false };
}
