/**
 * Marking a deployment bad: it stops being a rollback target and its exact image
 * stops being deployable. A person marks one from any door; Kubidu's automatic
 * rollback marks the deploy it undoes. Each change is audited with the reason.
 */
import type { EntityManager } from 'typeorm';
import type { AuditWriter } from './audit.js';
import type { DeploymentRow } from './deployment-rows.js';
import { NotMarkedBadError } from './deployment-errors.js';
import { AUDIT_ACTIONS } from './vocabulary.js';

/** Who marks, and in which project (for the audit row). */
export interface MarkActor {
  actorId: string | null;
  actor: string;
  projectId: string;
}

/** Marks `row` bad with `reason` (or replaces the reason of an existing mark). Call with the service locked. */
export async function markBad(em: EntityManager, audit: AuditWriter, who: MarkActor, row: DeploymentRow, reason: string): Promise<void> {
  await em.query(
    `WITH u AS (UPDATE deployments SET bad_reason = $2, marked_bad_at = now(), marked_bad_by = $3 WHERE id = $1 RETURNING id)
     SELECT id FROM u`,
    [row.id, reason, who.actor],
  );
  await audit.append(em, {
    actorId: who.actorId,
    actor: who.actor,
    action: AUDIT_ACTIONS.deploymentMarkedBad,
    projectId: who.projectId,
    serviceId: row.serviceId,
    deploymentId: row.id,
    data: { reason, imageUrl: row.imageUrl, previousReason: row.badReason },
  });
}

/** Removes the bad mark of `row` (409 `DEPLOYMENT_NOT_BAD` when it has none), audited with the reason it had. */
export async function unmarkBad(em: EntityManager, audit: AuditWriter, who: MarkActor, row: DeploymentRow): Promise<void> {
  const [cur] = await em.query(`SELECT bad_reason, marked_bad_at FROM deployments WHERE id = $1`, [row.id]);
  if (!cur.marked_bad_at) throw new NotMarkedBadError();
  await em.query(
    `WITH u AS (UPDATE deployments SET bad_reason = NULL, marked_bad_at = NULL, marked_bad_by = NULL WHERE id = $1 RETURNING id)
     SELECT id FROM u`,
    [row.id],
  );
  await audit.append(em, {
    actorId: who.actorId,
    actor: who.actor,
    action: AUDIT_ACTIONS.deploymentUnmarkedBad,
    projectId: who.projectId,
    serviceId: row.serviceId,
    deploymentId: row.id,
    data: { reason: cur.bad_reason, imageUrl: row.imageUrl },
  });
}
