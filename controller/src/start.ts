/**
 * Entry point the platform composition (`npm start`) and `npm run controller` use to run the GitOps
 * reconciler: validates config, makes sure the manifests repo exists (embedded
 * default), wires the adapters into the deploy step, and starts the claim loop.
 */
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions.js';
import { SecretBox, loadOrCreateKey } from '@kubidu/core/crypto/secret-box';
import type { Logger } from '@kubidu/core/logger';
import type { ControllerConfig } from './config.js';
import { createDeploymentStore } from './store/deployment-store.js';
import { createReleaseStore } from './store/release-store.js';
import { createReleaseStep } from './reconcile/deploy-release.js';
import { createDeployStep, type SecretsWriter, type SyncRunner } from './reconcile/deploy-one.js';
import { createManifestsWriter } from './reconcile/manifests-writer.js';
import { startLoop } from './reconcile/loop.js';
import { listenForDeployments } from './reconcile/listener.js';
import { openManifestsRepo } from './reconcile/manifests-repo.js';
import { createSyncRunnerFromConfig } from './reconcile/sync-runner.js';
import { createSecretsWriterFromConfig } from './adapters/kubernetes/secrets.js';
import { NO_FAULT_PAUSE, type FaultPause } from './reconcile/fault-pause.js';
import { startGitImporter } from './importer/importer.js';
import { startWebhookWorker } from './notify/webhook-worker.js';
import { createWebhookStore } from './notify/webhook-store.js';
import { createHttpSender } from './notify/webhook-sender.js';
import type { DeployMetrics } from './reconcile/deploy-metrics.js';

export interface ControllerOptions {
  ds: DataSource;
  /** The loaded settings (loadControllerConfig): the data dir, embedded or not, every adapter's config. */
  config: ControllerConfig;
  logger: Logger;
  /** The fault tests' pause hook; only `npm run controller` installs one (KUBIDU_FAULT_PAUSE_AT). */
  faults?: FaultPause;
  /** Where deployments and the git door report counters and durations (the process's metrics registry). */
  metrics?: DeployMetrics & { imported?(lagSeconds: number): void };
  /** Overrides for tests and benchmarks. */
  overrides?: {
    sync?: SyncRunner | null;
    secrets?: SecretsWriter | null;
    maxInFlight?: number;
    /** false: no git importer in this process (a test drives its own, and two would race for its lock). */
    gitImport?: boolean;
    /** false: no outgoing webhook delivery worker in this process (a test drives its own). */
    webhooks?: boolean;
  };
}

export interface ControllerHandle {
  /** Wake the claim loop now (in-process shortcut for NOTIFY). */
  wake(): void;
  /** Run the git importer now (in-process shortcut for NOTIFY kubidu_git_push, used by the webhook route). */
  triggerImport(): void;
  stop(): Promise<void>;
  config: ControllerConfig;
  /** Deployments being worked on by this process right now. */
  inFlight(): number;
}

export async function startController(opts: ControllerOptions): Promise<ControllerHandle> {
  const { ds, config, logger } = opts;
  const faults = opts.faults ?? NO_FAULT_PAUSE;
  const secretBox = new SecretBox(loadOrCreateKey(config.encryptionKey, config.dataDir));
  const repo = await openManifestsRepo(config, logger);
  const sync =
    opts.overrides && 'sync' in opts.overrides ? opts.overrides.sync! : await createSyncRunnerFromConfig(config.argo, repo.git, logger, faults);
  const secrets =
    opts.overrides && 'secrets' in opts.overrides ? opts.overrides.secrets! : await createSecretsWriterFromConfig(config.kubernetes, logger);
  const store = createDeploymentStore(ds, undefined, secretBox);
  const deployDeps = {
    store,
    // No lock of our own: the adapter orders its writes and batches what queues up behind a push.
    manifests: createManifestsWriter(repo.git, repo.render, faults),
    secretBox,
    secrets,
    sync,
    workerId: config.workerId,
    leaseMs: config.leaseMs,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    giveUpAfterMs: config.giveUpAfterMs,
    logger,
    faults,
    metrics: opts.metrics,
  };
  const deployOne = createDeployStep(deployDeps);
  const releaseStore = createReleaseStore(ds);
  const deployRelease = createReleaseStep({ ...deployDeps, releases: releaseStore });
  const loop = startLoop({
    store,
    deployOne,
    workerId: config.workerId,
    leaseMs: config.leaseMs,
    pollMs: config.pollMs,
    claimBatch: config.claimBatch,
    maxInFlight: opts.overrides?.maxInFlight ?? 100,
    logger,
    releases: {
      claim: () => releaseStore.claimRelease(config.workerId, config.leaseMs),
      run: deployRelease,
      releaseLeases: (ids) => releaseStore.releaseLeases(ids, config.workerId),
    },
  });
  const url = (ds.options as PostgresConnectionOptions).url;
  const listener = !config.embedded && url ? listenForDeployments(url, loop.wake, logger) : null;
  // The git door shares the write path's object store: one shallow fetch, one tree cache (RSS), and
  // the tip it fetches is the one the next commit builds on. Its reads are short and queue with commits.
  const importer =
    opts.overrides?.gitImport === false
      ? null
      : startGitImporter({
          ds,
          git: repo.git,
          secretBox,
          logger,
          branch: config.branch,
          intervalMs: config.gitPollMs,
          listenUrl: !config.embedded && url ? url : undefined,
          onQueued: loop.wake,
          onImported: opts.metrics?.imported,
        });
  // Outgoing webhooks: the outbox the audit writer fills, delivered from here (any number of controllers share it).
  const webhooks =
    opts.overrides?.webhooks === false
      ? null
      : startWebhookWorker({
          store: createWebhookStore(ds),
          send: createHttpSender({ timeoutMs: config.webhooks.timeoutMs, allowPrivate: config.webhooks.allowPrivate }),
          secretBox,
          config: config.webhooks,
          workerId: config.workerId,
          logger,
        });
  logger.info(
    {
      worker: config.workerId,
      manifests: config.manifestsUrl,
      branch: config.branch,
      sync: sync ? 'argocd' : 'none',
      secrets: secrets ? 'kubernetes' : 'none',
      gitPollSeconds: config.gitPollMs / 1000,
    },
    config.manifestsIsLocal
      ? `controller started; manifests repo ${config.manifestsUrl} (clone it with: git clone ${config.manifestsUrl})`
      : `controller started; manifests repo ${config.manifestsUrl} (${config.branch})`,
  );
  return {
    config,
    wake: loop.wake,
    triggerImport: () => importer?.trigger(),
    inFlight: loop.inFlight,
    async stop() {
      await webhooks?.stop();
      await importer?.stop();
      await listener?.stop();
      await loop.stop();
    },
  };
}
