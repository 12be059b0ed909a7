/**
 * The Argo CD part of the controller's configuration (ARGOCD_* and KUBIDU_SYNC*),
 * composed by controller/src/config.ts and read once at start-up so a wrong
 * setting fails fast with a ConfigError naming the variable (never its secret value).
 */
import { ConfigError, readBoolean, readDuration, readEnum, readSecret, readString, readUrl, requireThat, type Env } from '@kubidu/core/config/env';
import { readArgoAppTemplate } from '@kubidu/core/config/shared';

/** How Kubidu triggers a sync: Argo CD's API, the Application object in Kubernetes, or not at all. */
export type SyncMode = 'argocd-api' | 'kubernetes' | 'none';

/** Every sync mode, in the order error messages list them. */
export const SYNC_MODES: readonly SyncMode[] = ['argocd-api', 'kubernetes', 'none'];

/** Validated Argo CD settings. */
export interface ArgoConfig {
  syncMode: SyncMode;
  url?: string;
  token?: string;
  username?: string;
  password?: string;
  insecure: boolean;
  appTemplate: string;
  namespace: string;
  deadlineMs: number;
  /** How long an app may stay Degraded after its sync before the deployment ends FAILED (KUBIDU_DEGRADED_GRACE_SECONDS). */
  degradedGraceMs: number;
}

/** Default Application name template: one Application per service, as the ApplicationSet names them. */
export { DEFAULT_APP_TEMPLATE } from '@kubidu/core/domain/cluster-names';

/** The longest sync watch KUBIDU_SYNC_DEADLINE_SECONDS may ask for (one day). */
const MAX_DEADLINE_SECONDS = 86_400;

/** Reads ARGOCD_* and KUBIDU_SYNC* from `env`; throws ConfigError with a clear message. */
export function loadArgoConfig(env: Env): ArgoConfig {
  const url = readUrl(env, 'ARGOCD_URL', { protocols: ['http:', 'https:'], example: 'https://argocd.example.com' });
  const syncMode = readEnum(env, 'KUBIDU_SYNC', SYNC_MODES) ?? (url ? 'argocd-api' : 'none');

  const token = readString(env, 'ARGOCD_TOKEN');
  const username = readString(env, 'ARGOCD_USERNAME');
  const password = readSecret(env, 'ARGOCD_PASSWORD');

  if (syncMode === 'argocd-api') {
    requireThat(!!url, 'ARGOCD_URL', 'KUBIDU_SYNC=argocd-api needs ARGOCD_URL (the Argo CD server, e.g. https://argocd.example.com)');
    requireThat(
      !!token || !!(username && password),
      'ARGOCD_TOKEN',
      'Argo CD needs credentials: set ARGOCD_TOKEN (argocd account generate-token --account kubidu), or ARGOCD_USERNAME and ARGOCD_PASSWORD',
    );
  }
  if ((username && !password) || (!username && password)) {
    throw new ConfigError(username ? 'ARGOCD_PASSWORD' : 'ARGOCD_USERNAME', 'ARGOCD_USERNAME and ARGOCD_PASSWORD must be set together');
  }

  const appTemplate = readArgoAppTemplate(env);

  const namespace = readString(env, 'ARGOCD_NAMESPACE', 'argocd');
  requireThat(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace),
    'ARGOCD_NAMESPACE',
    `ARGOCD_NAMESPACE must be a Kubernetes namespace name (lower-case letters, digits and '-'), got '${namespace}'`,
  );

  return {
    syncMode,
    url,
    token,
    username,
    password,
    insecure: readBoolean(env, 'ARGOCD_INSECURE', false),
    appTemplate,
    namespace,
    deadlineMs: readDuration(env, 'KUBIDU_SYNC_DEADLINE_SECONDS', { unit: 's', default: 300, min: 1, max: MAX_DEADLINE_SECONDS }),
    degradedGraceMs: readDuration(env, 'KUBIDU_DEGRADED_GRACE_SECONDS', { unit: 's', default: 60, min: 1, max: MAX_DEADLINE_SECONDS }),
  };
}
