/**
 * One validated view of the controller's environment, loaded once at start-up.
 */
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export class ControllerConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export interface ControllerConfig {
  /** http(s) URL of the manifests repo, or a local bare repo path (the embedded default). */
  manifestsUrl: string;
  manifestsIsLocal: boolean;
  branch: string;
  auth?: { username?: string; password?: string; token?: string };
  /** Where the local object store (cache) lives. */
  cacheDir: string;
  workerId: string;
  /** Safety-net poll when LISTEN/NOTIFY is missed (or unavailable). */
  pollMs: number;
  leaseMs: number;
  /** Base delay for retrying a retryable failure (remote down...). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How many queued rows one claim may take. */
  claimBatch: number;
  bot: { name: string; email: string };
  /** How often the git importer polls the manifests branch for commits made outside Kubidu (KUBIDU_GIT_POLL_SECONDS). */
  gitPollMs: number;
  /** Commits queued while a push is in flight go out together as one chain (one commit per deployment) — KUBIDU_PUSH_BATCH. */
  pushBatch: number;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ControllerConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

export function loadControllerConfig(env: NodeJS.ProcessEnv, dataDir: string, embedded = false): ControllerConfig {
  const raw = env.MANIFESTS_REPO_URL?.trim();
  let manifestsUrl: string;
  let manifestsIsLocal: boolean;
  if (!raw) {
    manifestsUrl = join(resolve(dataDir), 'manifests.git');
    manifestsIsLocal = true;
  } else if (/^https?:\/\//.test(raw)) {
    manifestsUrl = raw;
    manifestsIsLocal = false;
  } else if (raw.startsWith('file://') || raw.startsWith('/')) {
    manifestsUrl = raw.replace(/^file:\/\//, '');
    manifestsIsLocal = true;
  } else {
    throw new ControllerConfigError('MANIFESTS_REPO_URL must be an http(s) URL or an absolute path to a bare repo');
  }
  const branch = env.MANIFESTS_BRANCH?.trim() || 'main';
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..')) {
    throw new ControllerConfigError(`MANIFESTS_BRANCH is not a valid branch name: "${branch}"`);
  }
  const auth =
    env.MANIFESTS_TOKEN || env.MANIFESTS_USERNAME
      ? { username: env.MANIFESTS_USERNAME, password: env.MANIFESTS_PASSWORD, token: env.MANIFESTS_TOKEN }
      : undefined;
  return {
    manifestsUrl,
    manifestsIsLocal,
    branch,
    auth,
    cacheDir: join(resolve(dataDir), 'controller-cache'),
    workerId: env.KUBIDU_WORKER_ID || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    pollMs: int(env, 'KUBIDU_POLL_MS', embedded ? 250 : 2000, 20, 600_000),
    leaseMs: int(env, 'KUBIDU_LEASE_MS', 30_000, 1000, 3_600_000),
    retryBaseMs: int(env, 'KUBIDU_RETRY_BASE_MS', 500, 10, 60_000),
    retryMaxMs: int(env, 'KUBIDU_RETRY_MAX_MS', 15_000, 10, 600_000),
    claimBatch: int(env, 'KUBIDU_CLAIM_BATCH', 20, 1, 500),
    bot: { name: env.KUBIDU_BOT_NAME || 'Kubidu', email: env.KUBIDU_BOT_EMAIL || 'bot@kubidu.local' },
    gitPollMs: int(env, 'KUBIDU_GIT_POLL_SECONDS', 15, 1, 3600) * 1000,
    pushBatch: int(env, 'KUBIDU_PUSH_BATCH', 64, 1, 1000),
  };
}
