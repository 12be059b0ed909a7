/**
 * Which deployments a rollback may target. One rule: the API computes each row's
 * `canRollback` with it and refuses with its codes, the web re-applies it when
 * the event stream moves the current row, the CLI explains a refusal with it.
 */
import type { DeploymentStatus } from './enums.js';

/** Statuses a rollback may target: it ran (RUNNING) or ran and was replaced (SUCCESS). */
export const ROLLBACKABLE_STATUSES: readonly DeploymentStatus[] = ['RUNNING', 'SUCCESS'];

/** What the rule needs to know of a deployment. */
export interface RollbackCandidate {
  status: DeploymentStatus;
  /** It is the service's current deployment. */
  isCurrent: boolean;
  /** A person marked it bad (and nobody unmarked it). */
  markedBad: boolean;
}

/** The code the API refuses a rollback to `target` with, in the order it checks; null when the rule allows it. */
export function rollbackRefusal(target: RollbackCandidate): 'ROLLBACK_TARGET_INVALID' | 'ROLLBACK_TARGET_BAD' | 'ROLLBACK_TARGET_CURRENT' | null {
  if (!ROLLBACKABLE_STATUSES.includes(target.status)) return 'ROLLBACK_TARGET_INVALID';
  if (target.markedBad) return 'ROLLBACK_TARGET_BAD';
  if (target.isCurrent) return 'ROLLBACK_TARGET_CURRENT';
  return null;
}

/** True when a rollback to `target` is allowed: a rollbackable status, not current, not marked bad. */
export function canRollback(target: RollbackCandidate): boolean {
  return rollbackRefusal(target) === null;
}
