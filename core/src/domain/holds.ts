/**
 * Deploy holds: a rollback holds its service so a new deploy does not silently
 * undo it; a person releases the hold (or a `git revert` of that rollback lifts it).
 * Setting and releasing are written once here, each with its audit row, and used by
 * the API, the git door and any controller-made rollback alike.
 */
import type { EntityManager } from 'typeorm';
import type { AuditWriter } from './audit.js';
import { AUDIT_ACTIONS } from './vocabulary.js';

/** A hold as stored. */
export interface HoldRow {
  serviceId: string;
  rollbackId: string;
  heldBy: string;
  reason: string | null;
  createdAt: Date;
}

const HOLD_COLUMNS = `service_id AS "serviceId", rollback_id AS "rollbackId", held_by AS "heldBy", reason, created_at AS "createdAt"`;

/** The service's hold, or null. */
export async function holdOf(em: EntityManager, serviceId: string): Promise<HoldRow | null> {
  const [h]: HoldRow[] = await em.query(`SELECT ${HOLD_COLUMNS} FROM deploy_holds WHERE service_id = $1`, [serviceId]);
  return h ?? null;
}

/** Who acts on a hold, and where (for the audit row). */
export interface HoldActor {
  actorId: string | null;
  actor: string;
  projectId: string;
}

/**
 * Puts (or moves) the service's hold onto `rollbackId`, audited `DEPLOY_HOLD_SET`
 * with the rollback it replaced. Call with the service row locked.
 */
export async function setHold(
  em: EntityManager,
  audit: AuditWriter,
  who: HoldActor,
  hold: { serviceId: string; rollbackId: string; targetId: string; reason: string | null },
): Promise<void> {
  const previous = await holdOf(em, hold.serviceId);
  await em.query(
    `INSERT INTO deploy_holds (service_id, rollback_id, held_by_id, held_by, reason) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (service_id) DO UPDATE
       SET rollback_id = EXCLUDED.rollback_id, held_by_id = EXCLUDED.held_by_id, held_by = EXCLUDED.held_by,
           reason = EXCLUDED.reason, created_at = now()`,
    [hold.serviceId, hold.rollbackId, who.actorId, who.actor, hold.reason],
  );
  await audit.append(em, {
    actorId: who.actorId,
    actor: who.actor,
    action: AUDIT_ACTIONS.holdSet,
    projectId: who.projectId,
    serviceId: hold.serviceId,
    deploymentId: hold.rollbackId,
    data: { rollbackId: hold.rollbackId, targetId: hold.targetId, reason: hold.reason, previousRollbackId: previous?.rollbackId ?? null },
  });
}

/**
 * Releases the service's hold, audited `DEPLOY_HOLD_RELEASED`. With `onlyRollbackId`
 * only a hold set by that rollback goes (a `git revert` of it). Returns the hold
 * released, or null when there was none (the caller decides whether that is an error).
 * `data` is merged into the audit row (how and why it was released).
 */
export async function releaseHold(
  em: EntityManager,
  audit: AuditWriter,
  who: HoldActor,
  serviceId: string,
  opts: { onlyRollbackId?: string; data?: Record<string, unknown> } = {},
): Promise<HoldRow | null> {
  const [gone]: HoldRow[] = await em.query(
    `WITH g AS (DELETE FROM deploy_holds WHERE service_id = $1 AND ($2::uuid IS NULL OR rollback_id = $2::uuid) RETURNING *)
     SELECT ${HOLD_COLUMNS} FROM g`,
    [serviceId, opts.onlyRollbackId ?? null],
  );
  if (!gone) return null;
  await audit.append(em, {
    actorId: who.actorId,
    actor: who.actor,
    action: AUDIT_ACTIONS.holdReleased,
    projectId: who.projectId,
    serviceId,
    deploymentId: gone.rollbackId,
    data: { rollbackId: gone.rollbackId, heldBy: gone.heldBy, heldSince: new Date(gone.createdAt).toISOString(), ...opts.data },
  });
  return gone;
}
