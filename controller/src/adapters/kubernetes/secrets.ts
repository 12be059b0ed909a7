/**
 * Creates the immutable Secret that holds a deployment's secret env, named by a
 * keyed content hash, so the manifests in Git can reference it by name while the
 * values never enter Git. Same content → same name → AlreadyExists is success.
 */
// Types only at the top: the library takes seconds to load, and most installs configure no cluster.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '@kubidu/core/logger';
import { KubiduControllerError } from '../../errors.js';
import type { KubernetesConfig } from './config.js';
import { ConfigError } from '@kubidu/core/config/env';
import { namespaceFor } from '@kubidu/core/domain/cluster-names';

/** Creating a deployment's Secret failed; retryable for 5xx, 429 and network errors. */
export class KubernetesSecretError extends KubiduControllerError {
  constructor(message: string, retryable: boolean) {
    super('KUBERNETES_SECRET_FAILED', message, { retryable });
  }
}


/** Creates immutable Secrets in the app's namespace (satisfies the deploy step's SecretsWriter port). */
export interface KubernetesSecrets {
  ensureSecret(name: string, data: Record<string, string>, labels: Record<string, string>): Promise<void>;
}

/** A writer over `core` that puts each Secret into `namespacePrefix` + the project slug (never anywhere else). */
export function createSecretsWriter(core: k8s.CoreV1Api, namespacePrefix: string): KubernetesSecrets {
  return {
    async ensureSecret(name, data, labels) {
      const project = labels['kubidu.dev/project'];
      if (!project) throw new KubernetesSecretError(`Secret ${name} has no kubidu.dev/project label: refusing to guess its namespace`, false);
      const namespace = namespaceFor(namespacePrefix, project);
      try {
        await core.createNamespacedSecret({
          namespace,
          body: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name, labels: { ...labels, 'app.kubernetes.io/managed-by': 'kubidu' } },
            immutable: true,
            type: 'Opaque',
            stringData: data,
          },
        });
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 409) return; // already there: same name means same content
        // Never echo the request or the response body: they would carry the values.
        const retryable = code === undefined || code >= 500 || code === 429;
        throw new KubernetesSecretError(
          `creating Secret ${namespace}/${name} failed${code ? ` with HTTP ${code}` : ''}`,
          retryable,
        );
      }
    },
  };
}

/**
 * A writer when a cluster is configured (KUBECONFIG, or running in-cluster), else
 * null. KUBIDU_KUBERNETES=off disables it; =on requires it.
 */
export async function createSecretsWriterFromConfig(cfg: KubernetesConfig, logger: Logger): Promise<KubernetesSecrets | null> {
  if (cfg.mode === 'off') return null;
  if (!cfg.clusterConfigured && cfg.mode !== 'on') return null;
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    if (cfg.mode === 'on') throw new ConfigError('KUBIDU_KUBERNETES', 'KUBIDU_KUBERNETES=on but no cluster is configured (set KUBECONFIG or run in-cluster)');
    return null;
  }
  logger.info({ cluster: kc.getCurrentCluster()?.server }, 'secrets go to the cluster as immutable Secrets');
  return createSecretsWriter(kc.makeApiClient(k8s.CoreV1Api), cfg.namespacePrefix);
}
