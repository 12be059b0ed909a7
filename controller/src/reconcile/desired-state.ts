/**
 * What one claimed deployment asks the manifests repo for: plain env to Git, secret
 * values to an immutable Secret named by their keyed hash (deploy-one and the release
 * step both start here; only the Secret's creation differs between them).
 */
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { DeploymentDetails } from '../store/deployment-store.js';
import type { DesiredState } from '../manifests/render.js';
import { secretNameFor } from '../manifests/secret-name.js';

/** The Secret a deployment needs (its values opened), or null when it has no secret env. */
export interface NeededSecret {
  name: string;
  values: Record<string, string>;
  labels: Record<string, string>;
}

/** The desired state of `d`'s service folder and the Secret it refers to. */
export function desiredStateOf(d: DeploymentDetails, secretBox: SecretBox): { desired: DesiredState; secret: NeededSecret | null } {
  const plain: Record<string, string> = {};
  const values: Record<string, string> = {};
  for (const e of d.env) (e.isSecret ? values : plain)[e.key] = secretBox.open(e);
  const secret =
    Object.keys(values).length > 0
      ? {
          name: secretNameFor(d.serviceName, secretBox.fingerprint(values)),
          values,
          labels: { 'kubidu.dev/service': d.serviceName, 'kubidu.dev/project': d.projectSlug },
        }
      : null;
  return {
    desired: {
      project: d.projectSlug,
      service: d.serviceName,
      image: d.imageUrl,
      port: d.port,
      replicas: d.replicas,
      cpuLimit: d.cpuLimit,
      memoryLimit: d.memoryLimit,
      env: plain,
      secretName: secret?.name ?? null,
      deploymentId: d.id,
    },
    secret,
  };
}
