/**
 * The deployment page's data: the deployment with its env, its neighbours
 * (previous row and what changed, rollbacks to and from it), its service and
 * project for the breadcrumb, and its audit trail. One error, said once, when
 * the deployment is someone else's or gone.
 */
import { computed, shallowRef } from 'vue';
import type { AuditView } from '@kubidu/core/contract/audit';
import type { DeploymentDetail } from '@kubidu/core/contract/deployments';
import type { DeploymentRelations } from '@kubidu/core/contract/deployment-relations';
import type { ProjectView, ServiceView } from '@kubidu/core/contract/projects';
import { ApiError, type ApiClient } from '../api/client.js';
import { plainValues, type DiffValues } from './useRollback.js';

/**
 * The Argo CD sync result in words, from the controller's audit row that ended the
 * deployment (`sync: "none"` when no sync engine is configured) (pure).
 */
export function syncResult(status: DeploymentDetail['status'], trail: Pick<AuditView, 'action' | 'data'>[]): string {
  const end = trail.find((r) => r.action === 'DEPLOYMENT_RUNNING' || r.action === 'DEPLOYMENT_FAILED');
  const data = (end?.data ?? {}) as { sync?: unknown; syncedRevision?: unknown };
  if (data.sync === 'none') return 'not synced: no sync engine is configured, the deploy ended at the commit';
  if (end?.action === 'DEPLOYMENT_FAILED' || status === 'FAILED') return 'failed (see the status above)';
  if (end && typeof data.syncedRevision === 'string') return `synced to ${data.syncedRevision.slice(0, 8)}, healthy`;
  if (end) return 'synced, healthy';
  if (status === 'CANCELLED') return 'never synced (cancelled)';
  return 'not synced yet';
}

/** Loads everything the page shows; `load` again after a rollback made here. */
export function useDeploymentPage(id: () => string, api: ApiClient) {
  const deployment = shallowRef<DeploymentDetail | null>(null);
  const relations = shallowRef<DeploymentRelations | null>(null);
  const service = shallowRef<ServiceView | null>(null);
  const project = shallowRef<ProjectView | null>(null);
  const audit = shallowRef<AuditView[]>([]);
  /** Plain values of the previous deployment and this one, for the "changes" list. */
  const values = shallowRef<DiffValues | undefined>(undefined);
  const error = shallowRef<ApiError | null>(null);
  const loading = shallowRef(false);
  let call = 0;

  async function load(): Promise<void> {
    const mine = ++call;
    loading.value = true;
    try {
      const d = await api.getDeployment(id());
      const [rel, svc, trail] = await Promise.all([
        api.getRelations(d.id),
        api.getService(d.serviceId),
        api.listAudit({ serviceId: d.serviceId, deploymentId: d.id, limit: 100 }),
      ]);
      const [proj, previous] = await Promise.all([
        api.getProject(svc.projectId),
        rel.previous ? api.getDeployment(rel.previous.id) : Promise.resolve(null),
      ]);
      if (mine !== call) return;
      deployment.value = d;
      relations.value = rel;
      service.value = svc;
      project.value = proj;
      audit.value = trail.items;
      values.value = { from: plainValues(previous?.env), to: plainValues(d.env) };
      error.value = null;
    } catch (err) {
      if (mine !== call) return;
      error.value = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
    } finally {
      if (mine === call) loading.value = false;
    }
  }

  const title = computed(() => {
    if (error.value) return error.value.status === 403 ? 'Not your deployment' : error.value.status === 404 ? 'Deployment not found' : 'Deployment';
    return deployment.value ? `Deployment ${deployment.value.id.slice(0, 8)}${service.value ? ` · ${service.value.name}` : ''}` : null;
  });

  return { deployment, relations, service, project, audit, values, error, loading, title, load };
}
