/**
 * Kubidu's Prometheus metrics (prom-client), one registry per process. The API
 * process (with its inline controller) and a standalone controller each make one
 * and serve it on their metrics port (server.ts); the controller writes to it
 * through its own DeployMetrics port, which this object satisfies.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets for steps that take from a fraction of a second to minutes. */
const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** What a deployment that ended looked like, for the counters. */
export interface FinishedDeployment {
  source: string;
  /** The row is a rollback (its rollbackFromId is set). */
  rollback: boolean;
  /** When the API accepted it (the row's createdAt). */
  createdAt: Date;
}

/** The metrics of one process, and the calls that move them. */
export interface KubiduMetrics {
  registry: Registry;
  /** A deployment ended RUNNING or FAILED. */
  finished(d: FinishedDeployment, status: 'RUNNING' | 'FAILED', now?: Date): void;
  /** A commit reached the manifests remote after `attempts` pushes. */
  pushed(seconds: number, attempts: number): void;
  /** An Argo CD sync was triggered and watched to its end. */
  synced(seconds: number): void;
  /** The git door imported a commit made outside Kubidu, `seconds` after it was committed. */
  imported(seconds: number): void;
}

/** Creates the registry; `queueDepth` is read at every scrape (QUEUED rows in the shared database). */
export function createMetrics(opts: { queueDepth?: () => Promise<number> } = {}): KubiduMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const deployments = new Counter({
    name: 'kubidu_deployments_total',
    help: 'Deployments that ended, by source (DEPLOY, ROLLBACK, GIT, …) and final status (RUNNING, FAILED).',
    labelNames: ['source', 'status'] as const,
    registers: [registry],
  });
  const rollbackDuration = new Histogram({
    name: 'kubidu_rollback_duration_seconds',
    help: 'From a rollback accepted by the API to its deployment RUNNING or FAILED.',
    labelNames: ['status'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const pushDuration = new Histogram({
    name: 'kubidu_git_push_duration_seconds',
    help: 'Writing and pushing one deployment commit to the manifests remote, retries included.',
    buckets: SECONDS,
    registers: [registry],
  });
  const pushRetries = new Counter({
    name: 'kubidu_git_push_retries_total',
    help: 'Pushes rejected (the branch moved) and rebuilt on the new tip.',
    registers: [registry],
  });
  const syncDuration = new Histogram({
    name: 'kubidu_argocd_sync_duration_seconds',
    help: 'From triggering an Argo CD sync to its end (healthy, failed or timed out).',
    buckets: SECONDS,
    registers: [registry],
  });
  const importLag = new Gauge({
    name: 'kubidu_git_import_lag_seconds',
    help: 'For the last commit imported from outside Kubidu: seconds between its commit time and its import.',
    registers: [registry],
  });
  const queueDepth = opts.queueDepth;
  new Gauge({
    name: 'kubidu_queue_depth',
    help: 'Deployments waiting to be claimed by a controller (QUEUED), read at scrape time.',
    registers: [registry],
    async collect() {
      if (queueDepth) this.set(await queueDepth());
    },
  });
  return {
    registry,
    finished(d, status, now = new Date()) {
      deployments.inc({ source: d.source, status });
      if (d.rollback) rollbackDuration.observe({ status }, Math.max(0, (now.getTime() - d.createdAt.getTime()) / 1000));
    },
    pushed(seconds, attempts) {
      pushDuration.observe(seconds);
      if (attempts > 1) pushRetries.inc(attempts - 1);
    },
    synced(seconds) {
      syncDuration.observe(seconds);
    },
    imported(seconds) {
      importLag.set(Math.max(0, seconds));
    },
  };
}
