/**
 * Chooses how a pushed commit reaches the cluster (the loaded KUBIDU_SYNC): Argo CD's
 * API, the Application object through Kubernetes, or nothing (null: deploys end at the
 * commit). Either trigger feeds the same sync step, which watches to RUNNING/FAILED.
 */
import type { ArgoConfig } from '../adapters/argocd/config.js';
import { ArgoClient } from '../adapters/argocd/client.js';
import { appNameFor, createSyncStep } from '../steps/sync-step.js';
import type { GitAdapter } from '../adapters/git/types.js';
import type { SyncRunner } from './deploy-one.js';
import type { Logger } from '@kubidu/core/logger';
import type { ArgoApi } from '../adapters/argocd/client.js';
import { NO_FAULT_PAUSE, type FaultPause } from './fault-pause.js';
import { INFO_DEPLOYMENT } from '../steps/sync-decide.js';

/** The SyncRunner the loaded Argo CD settings ask for, or null for KUBIDU_SYNC=none. */
export async function createSyncRunnerFromConfig(
  cfg: ArgoConfig,
  git: Pick<GitAdapter, 'isDescendant'>,
  logger: Logger,
  faults: FaultPause = NO_FAULT_PAUSE,
): Promise<SyncRunner | null> {
  if (cfg.syncMode === 'none') return null;
  let argo: ArgoApi;
  if (cfg.syncMode === 'argocd-api') {
    argo = new ArgoClient({
      url: cfg.url!,
      token: cfg.token,
      username: cfg.username,
      password: cfg.password,
      insecure: cfg.insecure,
    });
    logger.info({ argocd: cfg.url, appTemplate: cfg.appTemplate }, 'syncing through the Argo CD API');
  } else {
    const { KubernetesApplicationSync, defaultKubeConfig } = await import('../adapters/kubernetes/application-sync.js');
    argo = new KubernetesApplicationSync({ kubeConfig: defaultKubeConfig(), namespace: cfg.namespace });
    logger.info({ namespace: cfg.namespace, appTemplate: cfg.appTemplate }, 'syncing by patching Argo CD Applications');
  }
  return createSyncRunner(argo, git, cfg.appTemplate, cfg.deadlineMs, faults, cfg.degradedGraceMs);
}

/** A SyncRunner over any ArgoApi (the test server's client, in tests). */
export function createSyncRunner(
  argo: ArgoApi,
  git: Pick<GitAdapter, 'isDescendant'>,
  appTemplate: string,
  deadlineMs: number,
  faults: FaultPause = NO_FAULT_PAUSE,
  degradedGraceMs?: number,
): SyncRunner {
  const step = createSyncStep({ argo: faults.at === 'watching-sync' ? pauseAfterSync(argo, faults) : argo });
  return {
    appNameFor: (project, service) => appNameFor(appTemplate, { project, service }),
    run: (input) =>
      step.run({
        ...input,
        isDescendant: (descendant, ancestor) => git.isDescendant(descendant, ancestor),
        deadlineMs,
        ...(degradedGraceMs === undefined ? {} : { degradedGraceMs }),
      }),
  };
}

/** The fault tests' 'watching-sync' point: the sync was requested, the watch has not ended. */
function pauseAfterSync(argo: ArgoApi, faults: FaultPause): ArgoApi {
  return {
    getApplication: (name, opts) => argo.getApplication(name, opts),
    terminateOperation: argo.terminateOperation ? (name) => argo.terminateOperation!(name) : undefined,
    async sync(name, req) {
      const app = await argo.sync(name, req);
      await faults.pause('watching-sync', req.infos?.find((i) => i.name === INFO_DEPLOYMENT)?.value ?? name);
      return app;
    },
  };
}
