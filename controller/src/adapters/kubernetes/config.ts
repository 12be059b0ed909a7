/**
 * The Kubernetes part of the controller's configuration (KUBIDU_KUBERNETES and the
 * Secret namespace template), composed by controller/src/config.ts. A misspelt
 * KUBIDU_KUBERNETES fails at start-up instead of silently meaning `auto`.
 */
import { readEnum, readRaw, readString, requireThat, type Env } from '@kubidu/core/config/env';

/** `auto`: use a cluster when one is configured; `on`: require one; `off`: never. */
export type KubernetesMode = 'auto' | 'on' | 'off';

/** Every KUBIDU_KUBERNETES value. */
export const KUBERNETES_MODES: readonly KubernetesMode[] = ['auto', 'on', 'off'];

/** Validated Kubernetes settings. */
export interface KubernetesConfig {
  mode: KubernetesMode;
  /** KUBECONFIG or in-cluster service env (KUBERNETES_SERVICE_HOST) is present. */
  clusterConfigured: boolean;
  /** `{project}`/`{service}` template of the namespace an app's Secret is created in. */
  namespaceTemplate: string;
}

/** Reads KUBIDU_KUBERNETES, KUBIDU_APP_NAMESPACE_TEMPLATE, KUBECONFIG and KUBERNETES_SERVICE_HOST. */
export function loadKubernetesConfig(env: Env): KubernetesConfig {
  const namespaceTemplate = readString(env, 'KUBIDU_APP_NAMESPACE_TEMPLATE', '{project}');
  const unknown = [...namespaceTemplate.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((p) => p !== 'project' && p !== 'service');
  requireThat(
    !unknown.length,
    'KUBIDU_APP_NAMESPACE_TEMPLATE',
    `KUBIDU_APP_NAMESPACE_TEMPLATE may only use {project} and {service}, got '${namespaceTemplate}'`,
  );
  return {
    mode: readEnum(env, 'KUBIDU_KUBERNETES', KUBERNETES_MODES, 'auto'),
    clusterConfigured: Boolean(readRaw(env, 'KUBECONFIG') || readRaw(env, 'KUBERNETES_SERVICE_HOST')),
    namespaceTemplate,
  };
}
