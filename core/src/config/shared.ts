/**
 * The settings more than one process reads (the API, the controller, the platform
 * that composes them): one reader each, so a variable means the same everywhere.
 */
import { parseKey } from '../crypto/secret-box.js';
import { readBoolean, readInt, readPath, readSecret, readString, readUrl, requireThat, type Env } from './env.js';
import { appTemplateProblem, DEFAULT_APP_TEMPLATE, DEFAULT_NAMESPACE_PREFIX, namespacePrefixProblem } from '../domain/cluster-names.js';

/** MANIFESTS_BRANCH, checked to be a plain branch name (the API's webhook reads the same variable). */
export function readManifestsBranch(env: Env): string {
  const branch = readString(env, 'MANIFESTS_BRANCH', 'main');
  requireThat(
    /^[A-Za-z0-9._/-]+$/.test(branch) && !branch.includes('..'),
    'MANIFESTS_BRANCH',
    `MANIFESTS_BRANCH is not a valid branch name (letters, digits, '.', '_', '/', '-'): "${branch}"`,
  );
  return branch;
}

/** KUBIDU_DATA_DIR, resolved against the working directory (default ./.kubidu). */
export function readDataDir(env: Env): string {
  return readPath(env, 'KUBIDU_DATA_DIR', '.kubidu');
}

/** KUBIDU_ENCRYPTION_KEY, checked now (32 bytes, hex or base64) so a bad key fails at start-up. */
export function readEncryptionKey(env: Env): string | undefined {
  const key = readSecret(env, 'KUBIDU_ENCRYPTION_KEY');
  if (key) parseKey(key);
  return key;
}

/** DATABASE_URL, checked to be a postgres:// URL (its password is never echoed). */
export function readDatabaseUrl(env: Env): string | undefined {
  return readUrl(env, 'DATABASE_URL', { protocols: ['postgres:', 'postgresql:'], example: 'postgres://kubidu@db:5432/kubidu', credentials: true });
}

/** KUBIDU_NAMESPACE_PREFIX: every namespace Kubidu deploys to is this + the project slug (default `kubidu-`). */
export function readNamespacePrefix(env: Env): string {
  const prefix = readString(env, 'KUBIDU_NAMESPACE_PREFIX', DEFAULT_NAMESPACE_PREFIX);
  const problem = namespacePrefixProblem(prefix);
  requireThat(!problem, 'KUBIDU_NAMESPACE_PREFIX', problem ?? '');
  return prefix;
}

/** ARGOCD_APP_TEMPLATE, checked to give every service its own Application (the API shows the name, the controller syncs it). */
export function readArgoAppTemplate(env: Env): string {
  const template = readString(env, 'ARGOCD_APP_TEMPLATE', DEFAULT_APP_TEMPLATE);
  const problem = appTemplateProblem(template);
  requireThat(!problem, 'ARGOCD_APP_TEMPLATE', problem ?? '');
  return template;
}

/**
 * KUBIDU_WEBHOOK_ALLOW_PRIVATE: may outgoing webhooks reach loopback, private and
 * link-local addresses? Default false (an SSRF guard: a project owner could
 * otherwise make Kubidu POST to the cluster's own services or a cloud metadata
 * endpoint). The API checks it when a hook is saved, the delivery worker when it connects.
 */
export function readWebhookAllowPrivate(env: Env): boolean {
  return readBoolean(env, 'KUBIDU_WEBHOOK_ALLOW_PRIVATE', false);
}

/** Where a process serves GET /metrics, or null (KUBIDU_METRICS_PORT unset: no metrics listener). */
export interface MetricsListen {
  host: string;
  port: number;
}

/**
 * KUBIDU_METRICS_PORT (0 = any free port) and KUBIDU_METRICS_HOST (default 127.0.0.1):
 * the metrics listener of the API process and of a standalone controller, apart from
 * the API port. Off unless the port is set, so processes on one machine never fight over it.
 */
export function readMetricsListen(env: Env): MetricsListen | null {
  if (readString(env, 'KUBIDU_METRICS_PORT') === undefined) return null;
  return { host: readString(env, 'KUBIDU_METRICS_HOST', '127.0.0.1'), port: readInt(env, 'KUBIDU_METRICS_PORT', { default: 0, min: 0, max: 65535 }) };
}
