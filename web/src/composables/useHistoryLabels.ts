/**
 * The words a history row is labelled with: its door (API, CLI, web, rollback
 * with its client, git), what a `git revert` undid, what a partial rollback
 * restored. The CLI's `kubidu deployments` uses the same words, so the two
 * histories tell the same story (pure).
 */
import type { DeployHold, Deployment } from '../api/types.js';
import { shortId } from './useRollback.js';

/** "API", "CLI", "web", "Rollback (CLI)", "git". */
export function doorLabel(d: Pick<Deployment, 'door' | 'via'>): string {
  switch (d.door) {
    case 'api':
      return 'API';
    case 'cli':
      return 'CLI';
    case 'web':
      return 'web';
    case 'git':
      return 'git';
    case 'rollback':
      return d.via ? `Rollback (${d.via === 'web' ? 'web' : d.via.toUpperCase()})` : 'Rollback';
    default:
      return String(d.door ?? '');
  }
}

/** GIT rows: "Reverted rollback 1a2b3c4d" (or deploy / git change); null otherwise. */
export function revertLabel(d: Pick<Deployment, 'revertsDeploymentId' | 'revertsSource'>): string | null {
  if (!d.revertsDeploymentId) return null;
  const what = d.revertsSource === 'ROLLBACK' ? 'rollback' : d.revertsSource === 'GIT' ? 'git change' : 'deploy';
  return `Reverted ${what} ${shortId(d.revertsDeploymentId)}`;
}

/** "(image only)" / "(config only)" after a rollback marker; '' for a whole rollback. */
export function onlyLabel(d: Pick<Deployment, 'rollbackOnly'>): string {
  return d.rollbackOnly ? `(${d.rollbackOnly} only)` : '';
}

/** The hold banner's sentence. */
export function holdText(h: DeployHold): string {
  return `Deploys are held: rollback ${shortId(h.rollbackId)} by ${h.heldBy} is in force${h.reason ? ` (${h.reason})` : ''}. New deploys answer 409 until someone releases the hold.`;
}
