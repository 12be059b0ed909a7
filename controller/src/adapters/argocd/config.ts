/**
 * The Argo CD part of Kubidu's configuration, read once at start-up so a wrong setting fails
 * fast with a message naming the variable (never its secret value).
 */

/** How Kubidu triggers a sync: Argo CD's API, the Application object in Kubernetes, or not at all. */
export type SyncMode = 'argocd-api' | 'kubernetes' | 'none';

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
}

/** A setting is missing or malformed; `variable` names it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Default Application name template: one Application per service, as the ApplicationSet names them. */
export const DEFAULT_APP_TEMPLATE = '{project}-{service}';

const BOOL_TRUE = new Set(['1', 'true', 'yes', 'on']);
const BOOL_FALSE = new Set(['', '0', 'false', 'no', 'off']);

function bool(env: Record<string, string | undefined>, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (BOOL_TRUE.has(raw)) return true;
  if (BOOL_FALSE.has(raw)) return false;
  throw new ConfigError(name, `${name} must be true or false, got '${env[name]}'`);
}

/** Reads ARGOCD_* and KUBIDU_SYNC* from `env`; throws ConfigError with a clear message. */
export function loadArgoConfig(env: Record<string, string | undefined>): ArgoConfig {
  const get = (k: string) => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const url = get('ARGOCD_URL');
  const rawMode = get('KUBIDU_SYNC');
  const modes: SyncMode[] = ['argocd-api', 'kubernetes', 'none'];
  if (rawMode && !modes.includes(rawMode as SyncMode)) {
    throw new ConfigError('KUBIDU_SYNC', `KUBIDU_SYNC must be one of ${modes.join(', ')}, got '${rawMode}'`);
  }
  const syncMode: SyncMode = (rawMode as SyncMode | undefined) ?? (url ? 'argocd-api' : 'none');

  const token = get('ARGOCD_TOKEN');
  const username = get('ARGOCD_USERNAME');
  const password = env.ARGOCD_PASSWORD || undefined;

  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('ARGOCD_URL', `ARGOCD_URL must be an http(s) URL such as https://argocd.example.com, got '${url}'`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError('ARGOCD_URL', `ARGOCD_URL must start with http:// or https://, got '${parsed.protocol}'`);
    }
    if (parsed.username || parsed.password) {
      throw new ConfigError('ARGOCD_URL', 'ARGOCD_URL must not contain credentials: use ARGOCD_TOKEN or ARGOCD_USERNAME/ARGOCD_PASSWORD');
    }
  }
  if (syncMode === 'argocd-api') {
    if (!url) throw new ConfigError('ARGOCD_URL', 'KUBIDU_SYNC=argocd-api needs ARGOCD_URL (the Argo CD server, e.g. https://argocd.example.com)');
    if (!token && !(username && password)) {
      throw new ConfigError('ARGOCD_TOKEN', 'Argo CD needs credentials: set ARGOCD_TOKEN (argocd account generate-token --account kubidu), or ARGOCD_USERNAME and ARGOCD_PASSWORD');
    }
  }
  if ((username && !password) || (!username && password)) {
    throw new ConfigError(username ? 'ARGOCD_PASSWORD' : 'ARGOCD_USERNAME', 'ARGOCD_USERNAME and ARGOCD_PASSWORD must be set together');
  }

  const appTemplate = get('ARGOCD_APP_TEMPLATE') ?? DEFAULT_APP_TEMPLATE;
  const unknown = [...appTemplate.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((p) => p !== 'project' && p !== 'service');
  if (unknown.length) {
    throw new ConfigError('ARGOCD_APP_TEMPLATE', `ARGOCD_APP_TEMPLATE may only use {project} and {service}, found {${unknown[0]}}`);
  }
  if (!appTemplate.includes('{service}')) {
    throw new ConfigError('ARGOCD_APP_TEMPLATE', `ARGOCD_APP_TEMPLATE must contain {service} so every service gets its own Application, got '${appTemplate}'`);
  }

  const namespace = get('ARGOCD_NAMESPACE') ?? 'argocd';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new ConfigError('ARGOCD_NAMESPACE', `ARGOCD_NAMESPACE must be a Kubernetes namespace name, got '${namespace}'`);
  }

  const rawDeadline = get('KUBIDU_SYNC_DEADLINE_SECONDS');
  let deadlineSeconds = 300;
  if (rawDeadline !== undefined) {
    deadlineSeconds = Number(rawDeadline);
    if (!Number.isInteger(deadlineSeconds) || deadlineSeconds <= 0) {
      throw new ConfigError('KUBIDU_SYNC_DEADLINE_SECONDS', `KUBIDU_SYNC_DEADLINE_SECONDS must be a positive whole number of seconds, got '${rawDeadline}'`);
    }
  }

  return {
    syncMode,
    url,
    token,
    username,
    password,
    insecure: bool(env, 'ARGOCD_INSECURE'),
    appTemplate,
    namespace,
    deadlineMs: deadlineSeconds * 1000,
  };
}
