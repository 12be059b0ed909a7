/**
 * What the signed-in person may do on a service's history (roll back, mark bad).
 * Every history action in the app reads it from here, so role gating (issue 17:
 * project members and roles) is a change to this one function.
 */
import { computed, type ComputedRef, type Ref } from 'vue';
import { ALL_HISTORY_ACTIONS, type HistoryPermissions } from './useHistoryView.js';

/** The permissions on the history of a service of `projectId` (null while it loads). Until roles exist, an owner may do everything. */
export function useHistoryPermissions(projectId: Ref<string | null | undefined>): ComputedRef<HistoryPermissions> {
  return computed(() => (projectId.value ? ALL_HISTORY_ACTIONS : { rollback: false, markBad: false }));
}
