/**
 * Takes one claimed deployment to its end: secrets → one commit pushed → sync →
 * RUNNING or FAILED. Every step is idempotent so a restarted worker can resume a
 * row wherever its predecessor died: a recorded commit is not made again, and a
 * pushed-but-unrecorded commit is found by its `Kubidu-Deployment` trailer.
 */
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { DeploymentDetails, DeploymentStore } from '../store/deployment-store.js';
import { errorMessage, isRetryable, LeaseLostError, TerminalError } from '../errors.js';
import type { Logger } from '@kubidu/core/logger';
import { authorFor, formatCommitMessage } from '../adapters/git/commit-message.js';
import type { DesiredState } from '../manifests/render.js';
import { desiredStateOf } from './desired-state.js';
import { NO_FAULT_PAUSE, type FaultPause } from './fault-pause.js';
import { NO_DEPLOY_METRICS, type DeployMetrics } from './deploy-metrics.js';

export type { DesiredState };

/**
 * Writes the commit for a desired state and pushes it, authored by `author` (Kubidu
 * when null; Kubidu is always the committer). `rewrote` says why the service folder
 * was rewritten whole (it was broken on the tip), or null.
 */
export interface ManifestsWriter {
  write(
    desired: DesiredState,
    message: string,
    author?: { name: string; email: string } | null,
  ): Promise<{ sha: string; noop: boolean; attempts: number; rewrote?: string | null }>;
  /** The pushed commit carrying `Kubidu-Deployment: <id>`, if any (crash recovery). */
  findDeploymentCommit(deploymentId: string): Promise<string | null>;
  /**
   * Writes several services' desired states as ONE commit (a release rollback, issue 20), pushed
   * like any other. `rewrote` lists the folders rewritten whole because they were broken on the tip.
   */
  writeMany(
    desired: DesiredState[],
    message: string,
    author?: { name: string; email: string } | null,
  ): Promise<{ sha: string; noop: boolean; attempts: number; rewrote: string[] }>;
  /** The pushed commit carrying `Kubidu-Release: <id>`, if any (crash recovery of a release). */
  findReleaseCommit(releaseId: string): Promise<string | null>;
}

/** Creates the immutable Secret holding a deployment's secret env (cluster configured). */
export interface SecretsWriter {
  ensureSecret(name: string, data: Record<string, string>, labels: Record<string, string>): Promise<void>;
}

export interface SyncOutcome {
  outcome: 'RUNNING' | 'FAILED';
  message: string;
  syncedRevision?: string;
  /** FAILED only: why; `sync-failed` and `degraded` are Argo CD's verdict (they may trigger an automatic rollback). */
  cause?: 'sync-failed' | 'degraded' | 'wrong-revision' | 'deadline';
}

/** True when Argo CD itself declared the deployment failed (its sync failed, or the app stayed Degraded). */
export function argoDeclaredFailure(out: SyncOutcome): boolean {
  return out.outcome === 'FAILED' && (out.cause === 'sync-failed' || out.cause === 'degraded');
}

/** Triggers and watches a sync of the service's Argo CD app for a pushed commit. */
export interface SyncRunner {
  appNameFor(project: string, service: string): string;
  run(input: {
    appName: string;
    commitSha: string;
    deploymentId: string;
    actor: string;
    reason: string | null;
    onStatus(message: string): Promise<void>;
  }): Promise<SyncOutcome>;
}

export interface DeployDeps {
  store: DeploymentStore;
  manifests: ManifestsWriter;
  secretBox: SecretBox;
  secrets: SecretsWriter | null;
  sync: SyncRunner | null;
  workerId: string;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Give up on retryable failures after this long (the row then FAILS with the last reason). */
  giveUpAfterMs: number;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** Crash points for the fault tests; NO_FAULT_PAUSE (the default) does nothing. */
  faults?: FaultPause;
  /** Counters and durations (kubidu_* metrics); NO_DEPLOY_METRICS by default. */
  metrics?: DeployMetrics;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The commit message for a deployment row (subject, body with the deploy's message, reason and actor, trailers). */
export function commitMessageFor(d: DeploymentDetails): string {
  return formatCommitMessage({
    kind: d.rollbackFromId ? 'rollback' : 'deploy',
    project: d.projectSlug,
    service: d.serviceName,
    image: d.imageUrl,
    reason: d.reason,
    // A rollback's stored message is Kubidu's own ("Rollback to …"): the subject says it already.
    message: d.rollbackFromId ? null : d.commitMessage,
    only: d.rollbackOnly,
    actor: d.actor,
    deploymentId: d.id,
    rollbackOfId: d.rollbackFromId,
  });
}

/** How a row's commit came about, for its status: Kubidu's own, or one imported by the git door (named by its author). */
function commitStatus(d: DeploymentDetails, sha: string, noop: boolean): string {
  if (d.source === 'GIT') return `Imported commit ${sha.slice(0, 8)} by ${d.actor}`;
  return noop ? `Manifests already at ${sha.slice(0, 8)}` : `Committed ${sha.slice(0, 8)} to the manifests repo`;
}

export function createDeployStep(deps: DeployDeps) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const faults = deps.faults ?? NO_FAULT_PAUSE;
  const metrics = deps.metrics ?? NO_DEPLOY_METRICS;
  const ended = (d: DeploymentDetails, status: 'RUNNING' | 'FAILED') => {
    metrics.finished({ source: d.source, rollback: d.rollbackFromId !== null, createdAt: new Date(d.createdAt) }, status);
    deps.logger.info({ deploymentId: d.id, status, source: d.source }, `deployment ${status}`);
  };

  /** Runs fn until it succeeds, retrying what is retryable with jittered backoff. */
  async function withRetry<T>(id: string, what: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isRetryable(err)) throw err; // terminal, or the lease is gone
        if (Date.now() - started > deps.giveUpAfterMs) {
          throw new TerminalError(`Gave up ${what} after ${Math.round(deps.giveUpAfterMs / 1000)} s: ${errorMessage(err)}`);
        }
        const delay = Math.min(deps.retryMaxMs, deps.retryBaseMs * 2 ** Math.min(attempt, 10));
        const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
        const msg = `Waiting: ${errorMessage(err)} (retrying ${what} in ${(jittered / 1000).toFixed(1)} s)`;
        deps.logger.warn({ deploymentId: id, attempt }, msg);
        await deps.store.heartbeat(id, deps.workerId, deps.leaseMs, msg);
        await sleep(jittered);
      }
    }
  }

  return async function deployOne(id: string): Promise<void> {
    const d = await deps.store.load(id);
    if (!d || d.status !== 'DEPLOYING') return;
    const heartbeat = setInterval(() => {
      deps.store.heartbeat(id, deps.workerId, deps.leaseMs).catch(() => undefined);
    }, Math.max(250, Math.floor(deps.leaseMs / 3)));
    heartbeat.unref?.();
    try {
      await faults.pause('after-claim', id);
      const notes: string[] = [];
      // 1. Env: plain values go to Git; secret values become an immutable Secret named by keyed hash.
      const { desired, secret } = desiredStateOf(d, deps.secretBox);
      if (secret) {
        if (deps.secrets) {
          await withRetry(id, 'creating the Secret', () => deps.secrets!.ensureSecret(secret.name, secret.values, secret.labels));
        } else {
          notes.push(`no Kubernetes cluster configured, so Secret ${secret.name} was not created`);
        }
      }

      // 2. One commit, pushed — unless a previous attempt already did it.
      let sha = d.manifestsCommitSha;
      let noop = false;
      if (!sha && d.attempts > 1) {
        sha = await withRetry(id, 'looking for an earlier commit', () => deps.manifests.findDeploymentCommit(id));
        if (sha) {
          await deps.store.recordCommit(id, deps.workerId, sha, `Found pushed commit ${sha.slice(0, 8)} after a restart`, { recovered: true });
        }
      }
      if (!sha) {
        const message = commitMessageFor(d);
        const author = authorFor(d.actor);
        const pushStarted = performance.now();
        const res = await withRetry(id, 'pushing to the manifests repo', () => deps.manifests.write(desired, message, author));
        if (!res.noop) metrics.pushed((performance.now() - pushStarted) / 1000, res.attempts);
        deps.logger.info({ deploymentId: id, sha: res.sha, noop: res.noop, attempts: res.attempts }, 'deployment commit pushed');
        sha = res.sha;
        noop = res.noop;
        if (res.rewrote) notes.push(res.rewrote);
        await faults.pause('after-push', id);
        await deps.store.recordCommit(
          id,
          deps.workerId,
          sha,
          [
            noop ? `Manifests already describe this deployment at ${sha.slice(0, 8)}; nothing to commit` : `Committed ${sha.slice(0, 8)} to the manifests repo`,
            ...notes,
          ].join('; '),
          { noop, attempts: res.attempts },
        );
      }

      // 3. Sync, or end at the commit when no sync engine is configured.
      if (!deps.sync) {
        const msg = [
          commitStatus(d, sha, noop),
          'no sync engine is configured (ARGOCD_URL unset), so the deploy ends at the commit',
          ...notes,
        ].join('; ');
        await deps.store.finish(id, deps.workerId, 'RUNNING', msg, { commitSha: sha, sync: 'none' });
        ended(d, 'RUNNING');
        return;
      }
      const appName = deps.sync.appNameFor(d.projectSlug, d.serviceName);
      const syncStarted = performance.now();
      const out = await deps.sync.run({
        appName,
        commitSha: sha,
        deploymentId: id,
        actor: d.actor,
        reason: d.reason,
        onStatus: (m) => deps.store.heartbeat(id, deps.workerId, deps.leaseMs, m),
      });
      metrics.synced((performance.now() - syncStarted) / 1000);
      const msg = [...(d.source === 'GIT' ? [commitStatus(d, sha, false)] : []), out.message, ...notes].join('; ');
      await deps.store.finish(
        id,
        deps.workerId,
        out.outcome,
        msg,
        { commitSha: sha, argoApp: appName, syncedRevision: out.syncedRevision ?? null },
        // Argo CD's verdict may undo the deploy (services that opted in), in the FAILED transaction.
        argoDeclaredFailure(out) ? { argoFailure: out.message } : undefined,
      );
      ended(d, out.outcome);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        deps.logger.warn({ deploymentId: id }, err.message);
        return;
      }
      if (!isRetryable(err)) {
        const msg = errorMessage(err);
        deps.logger.warn({ deploymentId: id }, `deployment failed: ${msg}`);
        const recorded = await deps.store.finish(id, deps.workerId, 'FAILED', msg, {}).then(
          () => true,
          () => false,
        );
        if (recorded) ended(d, 'FAILED');
        return;
      }
      // Unexpected and not terminal: leave the row DEPLOYING; its lease expires and a worker resumes it.
      deps.logger.error({ deploymentId: id, err: errorMessage(err) }, 'deployment step crashed; will be resumed');
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  };
}
