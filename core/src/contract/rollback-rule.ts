/**
 * Which deployments a rollback may target. One rule: the API computes each row's
 * `canRollback` with it and refuses with its codes, the web re-applies it when
 * the event stream moves the current row, the CLI explains a refusal with it.
 */
import type { DeploymentStatus } from './enums.js';
import { clipWords } from './clip.js';

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

/**
 * The sentence the API refuses a rollback with, for each refusal code. The API's
 * errors and the CLI (which refuses before asking for a diff) say the same words.
 */
export function rollbackRefusalMessage(
  code: 'ROLLBACK_TARGET_INVALID' | 'ROLLBACK_TARGET_BAD' | 'ROLLBACK_TARGET_CURRENT',
  target: { status: DeploymentStatus; badReason?: string | null },
): string {
  switch (code) {
    case 'ROLLBACK_TARGET_INVALID':
      return target.status === 'FAILED' ? 'Cannot rollback to a failed deployment' : `Cannot rollback to a deployment that is ${target.status.toLowerCase()}`;
    case 'ROLLBACK_TARGET_BAD':
      return `Cannot rollback to a deployment marked bad (${clipWords(target.badReason ?? '', 200)}); unmark it first`;
    case 'ROLLBACK_TARGET_CURRENT':
      return 'This deployment is already the current one';
  }
}

/** What the default-target rule needs to know of each row of a service's history. */
export interface HistoryRow extends RollbackCandidate {
  id: string;
  /** ROLLBACK rows; a GIT row that reverted a deployment (`git revert`) counts as a rollback too. */
  source: 'API' | 'ROLLBACK' | 'GIT' | 'AUTO';
  revertsDeploymentId: string | null;
}

/**
 * The target `kubidu rollback` (and any door) proposes when none is named: the newest
 * healthy deployment older than the current one that no rollback replaced and that is
 * not marked bad. A deployment was replaced by a rollback when the first healthy row
 * after it is a rollback (or a `git revert`): after rolling v3 back to v1, v3 is what
 * was just left, so the proposal is v2, not v3.
 *
 * `newestFirst` is the service's history as the API lists it (newest first); a
 * leading part of it is enough, since the rule only looks at rows newer than the
 * candidate. Undefined when no row qualifies in what was given.
 */
export function defaultRollbackTarget<T extends HistoryRow>(newestFirst: readonly T[]): T | undefined {
  const currentAt = newestFirst.findIndex((r) => r.isCurrent);
  // The healthy row that took over from each candidate: the oldest healthy row newer than it.
  let nextHealthy: T | undefined = currentAt >= 0 ? newestFirst[currentAt] : undefined;
  for (let i = currentAt + 1; i < newestFirst.length; i++) {
    const row = newestFirst[i];
    if (!ROLLBACKABLE_STATUSES.includes(row.status)) continue;
    const replacedByRollback = nextHealthy !== undefined && (nextHealthy.source === 'ROLLBACK' || nextHealthy.source === 'AUTO' || nextHealthy.revertsDeploymentId !== null);
    if (!replacedByRollback && canRollback(row)) return row;
    nextHealthy = row;
  }
  return undefined;
}
