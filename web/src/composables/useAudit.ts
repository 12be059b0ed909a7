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
};

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

/** The audit composable the project audit view uses. */
export function useAudit(projectId: string, opts: { api: ApiClient; pageSize?: number }) {
  const items = ref<AuditView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = shallowRef<ApiError | null>(null);

  async function load(cursor: string | null): Promise<void> {
    if (loading.value) return;
    loading.value = true;
    try {
      const page = await opts.api.listAudit({ projectId, limit: opts.pageSize ?? 50, cursor });
      items.value = cursor ? mergeAuditRows(items.value, page.items) : page.items;
      nextCursor.value = page.nextCursor;
      loaded.value = true;
      error.value = null;
    } catch (err) {
      error.value = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
    } finally {
      loading.value = false;
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
