/**
 * Rows to wire: how a deployment row and a hold look in the API's answers. The
 * rollback-eligibility flag comes from the one rule in core, so every door shows
 * what the write path enforces.
 */
import type { DeploymentRow } from '@kubidu/core/domain/deployment-rows';
import type { HoldRow } from '@kubidu/core/domain/holds';
import { canRollback } from '@kubidu/core/contract/rollback-rule';
import type { DeployHoldView, DeploymentView } from '@kubidu/core/contract/deployments';

/** The API view of a row: ISO dates, plus the two flags the history needs. */
export function toDeploymentView(r: DeploymentRow, currentId: string | null): DeploymentView {
  return {
    id: r.id,
    serviceId: r.serviceId,
    status: r.status,
    source: r.source,
    imageUrl: r.imageUrl,
    commitSha: r.commitSha,
    commitMessage: r.commitMessage,
    port: r.port,
    replicas: r.replicas,
    cpuLimit: r.cpuLimit,
    memoryLimit: r.memoryLimit,
    rollbackFromId: r.rollbackFromId,
    revertsDeploymentId: r.revertsDeploymentId,
    warning: r.warning,
    createdById: r.createdById,
    actor: r.actor,
    manifestsCommitSha: r.manifestsCommitSha,
    statusMessage: r.statusMessage,
    reason: r.reason,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    isCurrent: r.id === currentId,
    canRollback: canRollback({ status: r.status, isCurrent: r.id === currentId, markedBad: r.markedBadAt !== null }),
    bad: r.markedBadAt ? { reason: r.badReason ?? '', by: r.markedBadBy ?? '', at: r.markedBadAt.toISOString() } : null,
    rollbackOnly: r.rollbackOnly,
    via: r.via,
    door: doorOf(r),
    holdOverridden: r.holdOverridden,
    revertsSource: r.revertsSource,
  };
}

/** The door a row came through, as every client labels it. */
export function doorOf(r: Pick<DeploymentRow, 'source' | 'via'>): DeploymentView['door'] {
  if (r.source === 'GIT') return 'git';
  if (r.source === 'ROLLBACK' || r.source === 'AUTO') return 'rollback';
  return r.via ?? 'api';
}

/** A hold as the API shows it. */
export function holdView(h: HoldRow): DeployHoldView {
  return { serviceId: h.serviceId, rollbackId: h.rollbackId, heldBy: h.heldBy, reason: h.reason, createdAt: new Date(h.createdAt).toISOString() };
}
