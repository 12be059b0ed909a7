/**
 * What the signed-in person may do on a service (roll back, mark bad, deploy), from
 * the role the API reports on the service (issue 17: the role narrowed by a scoped
 * token). Every history action in the app reads it from here, and a control the
 * role lacks says why instead of failing after a click.
 */
import { computed, type ComputedRef, type Ref } from 'vue';
import { roleLacks, type Permission, type ProjectRole } from '@kubidu/core/contract/roles';
import type { HistoryPermissions } from './useHistoryView.js';

/** The part of a service (or project) answer that says the caller's standing. */
export interface Standing {
  role: ProjectRole;
  permissions: readonly Permission[];
}

/** What the caller may do on the history of `standing`'s service; nothing while it loads. */
export function historyPermissions(standing: Standing | null | undefined): HistoryPermissions {
  const mayRollback = !!standing?.permissions.includes('rollback');
  return { rollback: mayRollback, markBad: mayRollback };
}

/** Why the caller cannot do `permission` here ("The viewer role cannot roll back, …."); '' when they can or while loading. */
export function lacksText(standing: Standing | null | undefined, permission: Permission): string {
  if (!standing || standing.permissions.includes(permission)) return '';
  return `${roleLacks(standing.role, permission)}.`;
}

/** The history permissions of the service `standing` reads, as a computed. */
export function useHistoryPermissions(standing: Ref<Standing | null | undefined>): ComputedRef<HistoryPermissions> {
  return computed(() => historyPermissions(standing.value));
}
