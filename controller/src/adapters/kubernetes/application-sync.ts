/**
 * The second way to trigger a sync, for installs inside the cluster that have no Argo CD API
 * token (KUBIDU_SYNC=kubernetes): write the Application's `operation` field with a JSON merge
 * patch, which is exactly what `argocd app sync` makes the API server do, and read the
 * Application back to watch it. Same shape as the API client (ArgoApi), so the sync step does
 * not care which one it has.
 */
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ArgoApi } from '../argocd/client.js';
import {
  ArgoAppNotFoundError,
  ArgoAuthError,
  ArgoError,
  ArgoOperationInProgressError,
  ArgoRequestError,
  ArgoUnavailableError,
} from '../argocd/errors.js';
import type { ArgoApplication, ArgoOperation, ArgoSyncRequest } from '../argocd/types.js';

const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';
const PLURAL = 'applications';
/** Annotation Argo CD's controller watches to refresh an app (removed once done). */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** Where the Applications live and who Kubidu says it is in `operation.initiatedBy`. */
export interface KubernetesApplicationSyncOptions {
  kubeConfig: KubeConfig;
  /** ARGOCD_NAMESPACE (default argocd). */
  namespace: string;
  /** Shown as "initiated by" in the Argo CD UI. Default "kubidu". */
  username?: string;
}

/** Builds a KubeConfig the usual way: in-cluster service account when present, else ~/.kube/config. */
export function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Sync trigger through the Kubernetes API; see the file comment. */
export class KubernetesApplicationSync implements ArgoApi {
  private readonly api: CustomObjectsApi;
  private readonly namespace: string;
  private readonly username: string;
  private readonly server: string;

  constructor(opts: KubernetesApplicationSyncOptions) {
    this.api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    this.namespace = opts.namespace;
    this.username = opts.username ?? 'kubidu';
    this.server = opts.kubeConfig.getCurrentCluster()?.server ?? 'the Kubernetes API';
  }

  /** Reads the Application; with `refresh`, first sets the refresh annotation Argo CD reacts to. */
  async getApplication(name: string, opts: { refresh?: 'normal' | 'hard' } = {}): Promise<ArgoApplication> {
    if (opts.refresh) {
      return this.mergePatch(name, { metadata: { annotations: { [REFRESH_ANNOTATION]: opts.refresh } } }, 'refresh');
    }
    return this.wrap(name, 'get', () =>
      this.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name }),
    );
  }

  /**
   * Sets `operation` (sync with revision, infos, initiatedBy). Refuses, like Argo CD's API,
   * when an operation is already set; the resourceVersion precondition closes the race.
   */
  async sync(name: string, req: ArgoSyncRequest): Promise<ArgoApplication> {
    const app = await this.getApplication(name);
    const phase = app.status?.operationState?.phase;
    if (app.operation || phase === 'Running' || phase === 'Terminating') {
      throw new ArgoOperationInProgressError('ARGOCD_OPERATION_IN_PROGRESS', `Argo CD is already running an operation on application '${name}': another operation is already in progress`, { retryable: true });
    }
    const operation: ArgoOperation = {
      initiatedBy: { username: this.username },
      info: req.infos,
      sync: {
        ...(req.revision ? { revision: req.revision } : {}),
        ...(req.prune ? { prune: true } : {}),
        ...(req.syncOptions?.items?.length ? { syncOptions: req.syncOptions.items } : {}),
      },
    };
    return this.mergePatch(name, { metadata: { resourceVersion: app.metadata?.resourceVersion }, operation }, 'sync');
  }

  /** Clears a pending operation (the closest the Kubernetes API gets to terminate). */
  async terminateOperation(name: string): Promise<void> {
    await this.mergePatch(name, { status: { operationState: { phase: 'Terminating' } } }, 'terminate').catch(() => undefined);
  }

  private mergePatch(name: string, body: unknown, action: string): Promise<ArgoApplication> {
    // The generated client would send application/json-patch+json; Application changes need a merge patch.
    return this.wrap(name, action, () =>
      this.api.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  private async wrap(name: string, action: string, fn: () => Promise<unknown>): Promise<ArgoApplication> {
    try {
      return (await fn()) as ArgoApplication;
    } catch (err) {
      throw this.mapError(err, name, action);
    }
  }

  private mapError(err: unknown, name: string, action: string): ArgoError {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
      const k8sMessage = (body as { message?: string } | undefined)?.message ?? `HTTP ${err.code}`;
      const base = { status: err.code, argoMessage: k8sMessage };
      if (err.code === 401) {
        return new ArgoAuthError('KUBERNETES_UNAUTHENTICATED', `Kubernetes rejected Kubidu's credentials (${k8sMessage}): check the service account or kubeconfig`, { retryable: false, ...base });
      }
      if (err.code === 403) {
        return new ArgoAuthError('KUBERNETES_FORBIDDEN', `Kubernetes denied Kubidu '${action}' on Application '${name}' in namespace '${this.namespace}' (${k8sMessage}): grant get and patch on applications.argoproj.io there`, { retryable: false, ...base });
      }
      if (err.code === 404) {
        return new ArgoAppNotFoundError('ARGOCD_APP_NOT_FOUND', `Argo CD application '${name}' not found in namespace '${this.namespace}': check ARGOCD_APP_TEMPLATE and ARGOCD_NAMESPACE`, { retryable: false, ...base });
      }
      if (err.code === 409) {
        return new ArgoOperationInProgressError('ARGOCD_OPERATION_IN_PROGRESS', `Application '${name}' changed while Kubidu was starting a sync: ${k8sMessage}`, { retryable: true, ...base });
      }
      if (err.code >= 500 || err.code === 429) {
        return new ArgoUnavailableError('KUBERNETES_UNAVAILABLE', `Kubernetes API answered ${err.code}: ${k8sMessage}`, { retryable: true, ...base });
      }
      return new ArgoRequestError('KUBERNETES_REQUEST_REJECTED', `Kubernetes rejected the ${action} of Application '${name}' (${err.code}): ${k8sMessage}`, { retryable: false, ...base });
    }
    const e = err as { code?: string; cause?: { code?: string }; message?: string };
    const code = e?.code ?? e?.cause?.code;
    return new ArgoUnavailableError('KUBERNETES_UNAVAILABLE', `Kubernetes API at ${this.server} could not be reached (${code ?? e?.message ?? 'unknown error'})`, { retryable: true, cause: err });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}
