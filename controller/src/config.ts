/**
 * The controller's loaders: every setting the reconciler reads, validated once at
 * start-up and handed down as typed values (nothing below reads the environment).
 * `loadControllerConfig` is the reconciler's part, shared by `npm start` (the API
 * composes it) and `npm run controller`; `loadControllerProcessConfig` adds what
 * only the standalone entry (controller/src/main.ts) reads.
 */
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readDataDir, readDatabaseUrl, readEncryptionKey, readManifestsBranch, readMetricsListen, type MetricsListen } from '@kubidu/core/config/shared';
import {
  ConfigError,
  readDuration,
  readEnum,
  readInt,
  readPath,
  readRaw,
  readSecret,
  readString,
  readUrl,
  requireThat,
  type Env,
} from '@kubidu/core/config/env';
import { loadArgoConfig, type ArgoConfig } from './adapters/argocd/config.js';
import { loadKubernetesConfig, type KubernetesConfig } from './adapters/kubernetes/config.js';
import { DEFAULT_TEMPLATE_DIR } from './manifests/template.js';
import { FAULT_POINTS, type FaultPoint } from './reconcile/fault-pause.js';
import { loadWebhookDeliveryConfig, type WebhookDeliveryConfig } from './notify/config.js';

export interface ControllerConfig {
  /** KUBIDU_DATA_DIR, resolved: the default bare manifests repo, the key file and the object store live here. */
  dataDir: string;
  /** The database is the embedded single-connection one (no LISTEN; short poll). */
  embedded: boolean;
  /** KUBIDU_ENCRYPTION_KEY (checked to be 32 bytes); unset → the data dir's key file. */
  encryptionKey: string | undefined;
  /** http(s) URL of the manifests repo, or a local bare repo path (the embedded default). */
  manifestsUrl: string;
  manifestsIsLocal: boolean;
  branch: string;
  auth?: { username?: string; password?: string; token?: string };
  /** Where the local object store (cache) lives. */
  cacheDir: string;
  /** KUBIDU_MANIFESTS_TEMPLATE_DIR: the base/ and repo/ templates (default: the checkout's manifests-template/). */
  manifestsTemplateDir: string;
  workerId: string;
  /** Safety-net poll when LISTEN/NOTIFY is missed (or unavailable). */
  pollMs: number;
  leaseMs: number;
  /** Base delay for retrying a retryable failure (remote down...). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** KUBIDU_GIVE_UP_SECONDS: a deployment waiting on retryable failures this long ends FAILED. */
  giveUpAfterMs: number;
  /** How many queued rows one claim may take. */
  claimBatch: number;
  bot: { name: string; email: string };
  /** How often the git importer polls the manifests branch for commits made outside Kubidu (KUBIDU_GIT_POLL_SECONDS). */
  gitPollMs: number;
  /** Commits queued while a push is in flight go out together as one chain (one commit per deployment) — KUBIDU_PUSH_BATCH. */
  pushBatch: number;
  /** ARGOCD_* and KUBIDU_SYNC*: how a pushed commit is synced. */
  argo: ArgoConfig;
  /** KUBIDU_KUBERNETES and the Secret namespace: where secret env goes. */
  kubernetes: KubernetesConfig;
  /** KUBIDU_WEBHOOK_*: the outgoing webhook delivery worker. */
  webhooks: WebhookDeliveryConfig;
}

/** The manifests remote: an http(s) URL, a file:// URL or an absolute path; unset → the data dir's bare repo. */
function readManifestsRepo(env: Env, dataDir: string): { manifestsUrl: string; manifestsIsLocal: boolean } {
  const raw = readRaw(env, 'MANIFESTS_REPO_URL');
  if (!raw) return { manifestsUrl: join(dataDir, 'manifests.git'), manifestsIsLocal: true };
  if (/^https?:\/\//.test(raw)) {
    // Validated as a URL; credentials in it are allowed (and never echoed) for plain git remotes.
    return { manifestsUrl: readUrl(env, 'MANIFESTS_REPO_URL', { protocols: ['http:', 'https:'], example: 'https://git.example.com/org/manifests.git', credentials: true })!, manifestsIsLocal: false };
  }
  if (raw.startsWith('file://') || raw.startsWith('/')) return { manifestsUrl: raw.replace(/^file:\/\//, ''), manifestsIsLocal: true };
  const shown = raw.replace(/\/\/[^/@]*@/, '//***@'); // a user:password part is never echoed
  throw new ConfigError('MANIFESTS_REPO_URL', `MANIFESTS_REPO_URL must be an http(s) URL or an absolute path to a bare repo, got '${shown}'`);
}

function readBot(env: Env): { name: string; email: string } {
  const name = readString(env, 'KUBIDU_BOT_NAME', 'Kubidu');
  requireThat(!/[<>\n]/.test(name), 'KUBIDU_BOT_NAME', `KUBIDU_BOT_NAME must be a plain name (no <, > or newline), got '${name}'`);
  const email = readString(env, 'KUBIDU_BOT_EMAIL', 'bot@kubidu.local');
  requireThat(/^[^\s<>@]+@[^\s<>@]+$/.test(email), 'KUBIDU_BOT_EMAIL', `KUBIDU_BOT_EMAIL must be an email address such as bot@example.com, got '${email}'`);
  return { name, email };
}

/**
 * The reconciler's settings. `dataDir` and `embedded` come from the process's own
 * loader (the API knows whether it started the embedded database).
 */
export function loadControllerConfig(env: Env, dataDirIn: string, embedded = false): ControllerConfig {
  const dataDir = resolve(dataDirIn);
  const branch = readManifestsBranch(env);
  const username = readString(env, 'MANIFESTS_USERNAME');
  const token = readSecret(env, 'MANIFESTS_TOKEN');
  const auth = token || username ? { username, password: readSecret(env, 'MANIFESTS_PASSWORD'), token } : undefined;
  return {
    dataDir,
    embedded,
    encryptionKey: readEncryptionKey(env),
    ...readManifestsRepo(env, dataDir),
    branch,
    auth,
    cacheDir: join(dataDir, 'controller-cache'),
    manifestsTemplateDir: readPath(env, 'KUBIDU_MANIFESTS_TEMPLATE_DIR', DEFAULT_TEMPLATE_DIR),
    workerId: readString(env, 'KUBIDU_WORKER_ID') ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    pollMs: readDuration(env, 'KUBIDU_POLL_MS', { unit: 'ms', default: embedded ? 250 : 2000, min: 20, max: 600_000 }),
    leaseMs: readDuration(env, 'KUBIDU_LEASE_MS', { unit: 'ms', default: 30_000, min: 1000, max: 3_600_000 }),
    retryBaseMs: readDuration(env, 'KUBIDU_RETRY_BASE_MS', { unit: 'ms', default: 500, min: 10, max: 60_000 }),
    retryMaxMs: readDuration(env, 'KUBIDU_RETRY_MAX_MS', { unit: 'ms', default: 15_000, min: 10, max: 600_000 }),
    giveUpAfterMs: readDuration(env, 'KUBIDU_GIVE_UP_SECONDS', { unit: 's', default: 1800, min: 1, max: 30 * 86_400 }),
    claimBatch: readInt(env, 'KUBIDU_CLAIM_BATCH', { default: 20, min: 1, max: 500 }),
    bot: readBot(env),
    gitPollMs: readDuration(env, 'KUBIDU_GIT_POLL_SECONDS', { unit: 's', default: 15, min: 1, max: 3600 }),
    pushBatch: readInt(env, 'KUBIDU_PUSH_BATCH', { default: 64, min: 1, max: 1000 }),
    argo: loadArgoConfig(env),
    kubernetes: loadKubernetesConfig(env),
    webhooks: loadWebhookDeliveryConfig(env),
  };
}

/** Everything `npm run controller` (controller/src/main.ts) runs on. */
export interface ControllerProcessConfig {
  /** DATABASE_URL: required by the standalone controller (checked by main.ts, which explains why). */
  databaseUrl: string | undefined;
  /** KUBIDU_DB_POOL: connections this process may open. */
  dbPool: number;
  /** KUBIDU_FAULT_PAUSE_AT: tests only — the fault point to hang at, or null. */
  faultPauseAt: FaultPoint | null;
  /** KUBIDU_METRICS_HOST/PORT: where this process serves GET /metrics, or null. */
  metricsListen: MetricsListen | null;
  controller: ControllerConfig;
}

/** The standalone controller's loader: the reconciler's settings plus its own database and fault hook. */
export function loadControllerProcessConfig(env: Env): ControllerProcessConfig {
  return {
    databaseUrl: readDatabaseUrl(env),
    dbPool: readInt(env, 'KUBIDU_DB_POOL', { default: 5, min: 1, max: 200 }),
    faultPauseAt: readEnum(env, 'KUBIDU_FAULT_PAUSE_AT', FAULT_POINTS) ?? null,
    metricsListen: readMetricsListen(env),
    controller: loadControllerConfig(env, readDataDir(env)),
  };
}
