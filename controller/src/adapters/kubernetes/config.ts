/**
 * The Kubernetes part of the controller's configuration (KUBIDU_KUBERNETES and the
 * namespace prefix), composed by controller/src/config.ts. A misspelt
 * KUBIDU_KUBERNETES fails at start-up instead of silently meaning `auto`.
 */
import { readEnum, readRaw, type Env } from '@kubidu/core/config/env';
import { readNamespacePrefix } from '@kubidu/core/config/shared';

/** `auto`: use a cluster when one is configured; `on`: require one; `off`: never. */
export type KubernetesMode = 'auto' | 'on' | 'off';

/** Every KUBIDU_KUBERNETES value. */
export const KUBERNETES_MODES: readonly KubernetesMode[] = ['auto', 'on', 'off'];

/** Validated Kubernetes settings. */
export interface KubernetesConfig {
  mode: KubernetesMode;
  /** KUBECONFIG or in-cluster service env (KUBERNETES_SERVICE_HOST) is present. */
  clusterConfigured: boolean;
  /** KUBIDU_NAMESPACE_PREFIX: an app's Secret goes to prefix + project slug, as the ApplicationSet deploys it. */
  namespacePrefix: string;
}

/** Reads KUBIDU_KUBERNETES, KUBIDU_NAMESPACE_PREFIX, KUBECONFIG and KUBERNETES_SERVICE_HOST. */
export function loadKubernetesConfig(env: Env): KubernetesConfig {
  return {
    mode: readEnum(env, 'KUBIDU_KUBERNETES', KUBERNETES_MODES, 'auto'),
    clusterConfigured: Boolean(readRaw(env, 'KUBECONFIG') || readRaw(env, 'KUBERNETES_SERVICE_HOST')),
    namespacePrefix: readNamespacePrefix(env),
  };
}
