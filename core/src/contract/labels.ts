/**
 * The words clients label a history row with: the door it came through and
 * what a `git revert` undid, in the web's display wording. The CLI prints the
 * same words, starting lower-case where its tables do (cli/src/lib/format-deployment.ts).
 */
import type { ClientName, DeploymentSource, Door, RollbackOnly } from './enums.js';

/** The first 8 characters of an id, as every client shows ids. */
export function shortId(id: string | null | undefined): string {
  return (id ?? '').slice(0, 8);
}

/** How each client is named in a label. */
export const CLIENT_LABELS: Readonly<Record<ClientName, string>> = { api: 'API', cli: 'CLI', web: 'web' };

/** How each door is named; a rollback adds its client: "Rollback (CLI)". */
export const DOOR_LABELS: Readonly<Record<Door, string>> = { api: 'API', cli: 'CLI', web: 'web', rollback: 'Rollback', git: 'git' };

/** "API", "CLI", "web", "Rollback (CLI)", "Rollback (web)", "Rollback", "git". */
export function doorLabel(d: { door: Door; via: ClientName | null }): string {
  const door = DOOR_LABELS[d.door] ?? String(d.door ?? '');
  return d.door === 'rollback' && d.via ? `${door} (${CLIENT_LABELS[d.via] ?? d.via})` : door;
}

/** What a reverted row was, by its source. */
export const REVERTED_LABELS: Readonly<Record<DeploymentSource, string>> = { API: 'deploy', ROLLBACK: 'rollback', GIT: 'git change', AUTO: 'automatic rollback' };

/** GIT rows that reverted something: "Reverted rollback 1a2b3c4d" (or deploy / git change); null otherwise. */
export function revertLabel(d: { revertsDeploymentId: string | null; revertsSource: DeploymentSource | null }): string | null {
  if (!d.revertsDeploymentId) return null;
  return `Reverted ${REVERTED_LABELS[d.revertsSource ?? 'API'] ?? 'deploy'} ${shortId(d.revertsDeploymentId)}`;
}

/** "(image only)" / "(config only)" after a rollback marker; '' for a whole rollback. */
export function onlyLabel(d: { rollbackOnly: RollbackOnly | null }): string {
  return d.rollbackOnly ? `(${d.rollbackOnly} only)` : '';
}
