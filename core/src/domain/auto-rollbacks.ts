/**
 * Automatic rollback, written to Git (issue 20, item 1). When a deploy of a service that
 * opted in (`services.auto_rollback`) ends FAILED because Argo CD said so (its sync failed,
 * or the app stayed Degraded past the grace period), the controller calls
 * `autoRollbackAfterFailure` in the SAME transaction that writes FAILED. It then, as one:
 *
 * - creates a rollback to the newest healthy deployment before the failed one through
 *   `createRollback` (the function every door uses: same checks, same hold, same audit),
 *   source `AUTO`, actor "kubidu auto-rollback", reason naming the failed deployment;
 * - marks the failed deployment bad, with Argo CD's message as the reason (after the
 *   rollback is made: the target may share the failed row's image, e.g. a failed env change).
 *
 * It never loops: only deploys are undone (never a rollback, automatic or not, nor a
 * `git revert`), at most once per failed deployment (`deployments.auto_rollback_of` is
 * UNIQUE, and a replay finds the existing row), and never without a healthy target: the
 * answer then says why, and the controller puts it on the failed row's status.
 */
import type { EntityManager } from 'typeorm';
import { DEPLOYMENT_COLUMNS, deploymentById, type DeploymentRow } from './deployment-rows.js';
import type { DomainDeps } from './deployments.js';
import { createRollback } from './rollbacks.js';
import { markBad } from './bad-marks.js';
import { AUDIT_ACTIONS, AUTO_ROLLBACK_ACTOR } from './vocabulary.js';
import { KubiduError } from '../errors.js';

/** What happened, for the failed row's status message. */
export type AutoRollbackOutcome =
  | { kind: 'created'; rollback: DeploymentRow; targetId: string }
  | { kind: 'exists'; rollbackId: string }
  | { kind: 'off' }
  | { kind: 'not-a-deploy' }
  | { kind: 'no-target'; why: string };

/** The sentence the failed row's status message ends with (null: auto-rollback is off, nothing to say). */
export function describeAutoRollback(o: AutoRollbackOutcome): string | null {
  switch (o.kind) {
    case 'created':
      return `rolled back automatically to ${o.targetId.slice(0, 8)} (deployment ${o.rollback.id.slice(0, 8)})`;
    case 'exists':
      return `rolled back automatically (deployment ${o.rollbackId.slice(0, 8)})`;
    case 'no-target':
      return `no automatic rollback: ${o.why}`;
    default:
      return null;
  }
}

/** The newest healthy (RUNNING or SUCCESS, not marked bad) deployment of the service older than `before`. */
export async function newestHealthyBefore(em: EntityManager, serviceId: string, beforeSeq: string): Promise<DeploymentRow | null> {
  const [row]: DeploymentRow[] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d
      WHERE d.service_id = $1 AND d.seq < $2::bigint AND d.status IN ('RUNNING', 'SUCCESS') AND d.marked_bad_at IS NULL
      ORDER BY d.seq DESC LIMIT 1`,
    [serviceId, beforeSeq],
  );
  return row ?? null;
}

/**
 * Called in the transaction that ends `failedId` FAILED because of Argo CD (`argoMessage`).
 * Idempotent; see the module comment. Errors of the rollback rules (a bad image, say) become
 * a `no-target` answer inside a savepoint, so the FAILED update itself always commits.
 */
export async function autoRollbackAfterFailure(
  em: EntityManager,
  deps: DomainDeps,
  failedId: string,
  argoMessage: string,
): Promise<AutoRollbackOutcome> {
  const [svc] = await em.query(
    `SELECT s.id, s.project_id AS "projectId", s.auto_rollback AS "autoRollback"
       FROM services s JOIN deployments d ON d.service_id = s.id WHERE d.id = $1 FOR UPDATE OF s`,
    [failedId],
  );
  if (!svc || !svc.autoRollback) return { kind: 'off' };
  const failed = (await deploymentById(em, failedId))!;
  if (failed.source === 'ROLLBACK' || failed.source === 'AUTO' || failed.rollbackFromId !== null || failed.revertsDeploymentId !== null) {
    return { kind: 'not-a-deploy' };
  }
  const [existing] = await em.query(`SELECT id FROM deployments WHERE auto_rollback_of = $1`, [failedId]);
  if (existing) return { kind: 'exists', rollbackId: existing.id };

  const target = await newestHealthyBefore(em, failed.serviceId, failed.seq);
  if (!target) {
    const why = 'there is no healthy deployment before it to return to';
    await deps.audit.append(em, {
      actorId: null,
      actor: AUTO_ROLLBACK_ACTOR,
      action: AUDIT_ACTIONS.autoRollbackSkipped,
      projectId: svc.projectId,
      serviceId: failed.serviceId,
      deploymentId: failedId,
      data: { why, failure: argoMessage },
    });
    return { kind: 'no-target', why };
  }
  await em.query('SAVEPOINT kubidu_auto_rollback');
  try {
    const { row } = await createRollback(em, deps, {
      targetId: target.id,
      actor: { id: null, name: AUTO_ROLLBACK_ACTOR },
      reason: `automatic rollback: deployment ${failedId.slice(0, 8)} (${failed.imageUrl}) failed: ${argoMessage}`,
      via: null,
      auto: { failedId },
    });
    await markBad(em, deps.audit, { actorId: null, actor: AUTO_ROLLBACK_ACTOR, projectId: svc.projectId }, failed, argoMessage);
    await em.query('RELEASE SAVEPOINT kubidu_auto_rollback');
    return { kind: 'created', rollback: row, targetId: target.id };
  } catch (err) {
    await em.query('ROLLBACK TO SAVEPOINT kubidu_auto_rollback');
    if (!(err instanceof KubiduError)) throw err;
    return { kind: 'no-target', why: `the rollback to ${target.id.slice(0, 8)} was refused: ${err.message}` };
  }
}
