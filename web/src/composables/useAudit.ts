/**
 * A project's audit log, newest first, a page at a time. Actions are shown in
 * words; the raw code stays visible for people who grep logs.
 */
import { ref, shallowRef } from 'vue';
import { ApiError, type ApiClient } from '../api/client.js';
import type { AuditView } from '@kubidu/core/contract/audit';

const ACTION_WORDS: Record<string, string> = {
  USER_REGISTERED: 'registered',
  TOKEN_CREATED: 'created an API token',
  TOKEN_REVOKED: 'revoked an API token',
  USER_SIGNED_OUT: 'signed out',
  PROJECT_CREATED: 'created the project',
  SERVICE_CREATED: 'created a service',
  MEMBER_ADDED: 'added a member',
  MEMBER_ROLE_CHANGED: "changed a member's role",
  MEMBER_REMOVED: 'removed a member',
  DEPLOYMENT_CREATED: 'created a deployment',
  DEPLOYMENT_ROLLBACK: 'started a rollback',
  DEPLOYMENT_COMMITTED: 'committed a deployment to the manifests repo',
  DEPLOYMENT_CANCELLED: 'cancelled a deployment',
  DEPLOYMENT_RUNNING: 'marked a deployment running',
  DEPLOYMENT_FAILED: 'marked a deployment failed',
  DEPLOYMENT_GIT_CHANGE: 'changed the manifests repo outside Kubidu',
  DEPLOYMENT_GIT_WARNING: 'imported a manifests change with a warning',
  DEPLOYMENT_MARKED_BAD: 'marked a deployment bad',
  DEPLOYMENT_UNMARKED_BAD: 'removed a bad mark',
  DEPLOY_HOLD_SET: 'held deploys after a rollback',
  DEPLOY_HOLD_RELEASED: 'released the deploy hold',
  DEPLOY_HOLD_OVERRIDDEN: 'deployed through a deploy hold',
  MANIFESTS_HISTORY_REWRITTEN: 'saw the manifests history rewritten',
};

/** The actions the audit filter offers, with their words (a project's own actions; account ones are left out). */
export const AUDIT_FILTER_ACTIONS: readonly { value: string; label: string }[] = Object.entries(ACTION_WORDS)
  .filter(([code]) => !['USER_REGISTERED', 'TOKEN_CREATED', 'TOKEN_REVOKED', 'USER_SIGNED_OUT'].includes(code))
  .map(([value, words]) => ({ value, label: words.charAt(0).toUpperCase() + words.slice(1) }));

/** Words for an audit action code; unknown codes are shown as they are (pure). */
export function describeAuditAction(action: string): string {
  return ACTION_WORDS[action] ?? action.toLowerCase().replace(/_/g, ' ');
}

/** Appends a page to the rows, dropping ids already shown (pure). */
export function mergeAuditRows(existing: AuditView[], incoming: AuditView[]): AuditView[] {
  const seen = new Set(existing.map((r) => r.id));
  return [...existing, ...incoming.filter((r) => !seen.has(r.id))];
}

/** Short `key=value` text of an audit row's data, values clipped (pure). */
export function formatAuditData(data: Record<string, unknown> | null | undefined): string {
  if (!data) return '';
  return Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return `${k}=${s.length > 80 ? `${s.slice(0, 77)}…` : s}`;
    })
    .join(' ');
}

/** What the audit view narrows to; empty strings mean "all". */
export interface AuditFilter {
  serviceId?: string;
  action?: string;
}

/** The audit composable the project audit view uses; `filter` is read on every (re)load. */
export function useAudit(projectId: string, opts: { api: ApiClient; pageSize?: number; filter?: () => AuditFilter }) {
  const items = ref<AuditView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = shallowRef<ApiError | null>(null);

  // A reload (a filter changed) supersedes whatever is in flight; "Load more" waits its turn.
  let generation = 0;
  async function load(cursor: string | null): Promise<void> {
    if (cursor && loading.value) return;
    const mine = ++generation;
    loading.value = true;
    try {
      const f = opts.filter?.() ?? {};
      const page = await opts.api.listAudit({ projectId, serviceId: f.serviceId || undefined, action: f.action || undefined, limit: opts.pageSize ?? 50, cursor });
      if (mine !== generation) return;
      items.value = cursor ? mergeAuditRows(items.value, page.items) : page.items;
      nextCursor.value = page.nextCursor;
      loaded.value = true;
      error.value = null;
    } catch (err) {
      if (mine === generation) error.value = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return {
    items,
    nextCursor,
    loaded,
    loading,
    error,
    refresh: () => load(null),
    loadMore: () => (nextCursor.value ? load(nextCursor.value) : Promise.resolve()),
  };
}
