/**
 * The sync step: after a deployment's commit is on the manifests remote, ask Argo CD to sync
 * the service's Application right away and follow it to RUNNING or FAILED. The decisions live
 * in ./sync-decide.ts (pure); this file does the requests, the waiting and the retries.
 */
import {
  ArgoError,
  ArgoOperationInProgressError,
  ArgoRevisionNotTrackedError,
} from '../adapters/argocd/errors.js';
import type { ArgoApi } from '../adapters/argocd/client.js';
import type { ArgoApplication, ArgoInfo, ArgoSyncRequest } from '../adapters/argocd/types.js';
import { appNameFor as coreAppNameFor } from '@kubidu/core/domain/cluster-names';
import {
  decide,
  describe,
  type SyncFailureCause,
  INFO_ACTOR,
  INFO_COMMIT,
  INFO_DEPLOYMENT,
  INFO_REASON,
  isRelevantOperation,
  syncedRevisionOf,
  type SyncExpectation,
} from './sync-decide.js';

export { decide } from './sync-decide.js';
export type { SyncDecision, SyncExpectation, SyncFailureCause, SyncObservation } from './sync-decide.js';

/** Time source; tests may hand in a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** What the controller hands the step for one deployment. */
export interface SyncStepInput {
  appName: string;
  commitSha: string;
  deploymentId: string;
  actor: string;
  reason: string | null;
  /** True when `descendant` is `ancestor` or has it in its history (the git adapter answers). */
  isDescendant(descendant: string, ancestor: string): Promise<boolean>;
  /** Give up after this long (default 300000 = KUBIDU_SYNC_DEADLINE_SECONDS). */
  deadlineMs?: number;
  /** How long health may stay Degraded after a successful sync before it counts as FAILED (default 60000). */
  degradedGraceMs?: number;
  /** Called whenever the step's human-readable status changes (the controller writes it to the row). */
  onStatus?(message: string): Promise<void>;
}

/** How the step ended; `message` goes on the deployment row. */
export interface SyncStepResult {
  outcome: 'RUNNING' | 'FAILED';
  message: string;
  syncedRevision?: string;
  /** FAILED only: why (Argo CD's verdict, or Kubidu giving up). */
  cause?: SyncFailureCause;
}

/** What the step needs: the Argo CD API (or the Kubernetes trigger, same shape) and a clock. */
export interface SyncStepDeps {
  argo: ArgoApi;
  clock?: Clock;
  /** Polling starts at minPollMs and grows to maxPollMs (defaults 100 and 2000). */
  minPollMs?: number;
  maxPollMs?: number;
}

/** The step's public face. */
export interface SyncStep {
  run(input: SyncStepInput): Promise<SyncStepResult>;
}

/** Application name for a service: core's rule (`{project}.{service}` by default), the one the API shows. */
export const appNameFor = coreAppNameFor;

/**
 * Sync option every Kubidu sync carries: Argo CD fails the sync instead of taking over
 * an object another Application (or nobody's Application) already manages.
 */
export const FAIL_ON_SHARED_RESOURCE = 'FailOnSharedResource=true';

/** The operation infos shown in the Argo CD UI: which deployment, who, why, which commit. */
export function syncInfos(input: Pick<SyncStepInput, 'deploymentId' | 'actor' | 'reason' | 'commitSha'>): ArgoInfo[] {
  const infos: ArgoInfo[] = [
    { name: INFO_DEPLOYMENT, value: input.deploymentId },
    { name: INFO_ACTOR, value: input.actor },
    { name: INFO_COMMIT, value: input.commitSha },
  ];
  if (input.reason) infos.push({ name: INFO_REASON, value: input.reason });
  return infos;
}

/** True when Argo CD itself follows a branch for this app, so Kubidu must not name a revision. */
export function tracksItsOwnRevision(app: ArgoApplication): boolean {
  const automated = app.spec?.syncPolicy?.automated;
  const isAutomated = !!automated && automated.enabled !== false;
  return isAutomated || (app.spec?.sources?.length ?? 0) > 0;
}

/**
 * The sync request for `app`: the commit as revision only when the app does not track a
 * branch with auto-sync (Argo CD refuses "Cannot sync to X: auto-sync currently set to Y").
 */
export function buildSyncRequest(app: ArgoApplication, input: Pick<SyncStepInput, 'deploymentId' | 'actor' | 'reason' | 'commitSha'>): ArgoSyncRequest {
  const req: ArgoSyncRequest = { infos: syncInfos(input) };
  if (!tracksItsOwnRevision(app)) req.revision = input.commitSha;
  if (app.spec?.syncPolicy?.automated?.prune) req.prune = true;
  // Options in the request replace the Application's for this operation: keep its own (CreateNamespace…) and add ours.
  const own = (app.spec?.syncPolicy?.syncOptions ?? []).filter((o) => !o.startsWith('FailOnSharedResource='));
  req.syncOptions = { items: [...own, FAIL_ON_SHARED_RESOURCE] };
  return req;
}

class StepFailed extends Error {}

/** Builds the sync step; see SyncStepInput for what one run needs. */
export function createSyncStep(deps: SyncStepDeps): SyncStep {
  const clock = deps.clock ?? systemClock;
  const minPoll = deps.minPollMs ?? 100;
  const maxPoll = deps.maxPollMs ?? 2000;

  return {
    async run(input) {
      const deadlineMs = input.deadlineMs ?? 300_000;
      const graceMs = input.degradedGraceMs ?? 60_000;
      const start = clock.now();
      const elapsed = () => clock.now() - start;
      const name = input.appName;
      let lastStatus: string | undefined;
      const status = async (msg: string) => {
        if (msg === lastStatus) return;
        lastStatus = msg;
        await input.onStatus?.(msg);
      };
      const fail = (message: string): SyncStepResult => ({ outcome: 'FAILED', message });

      /** Calls `fn`, retrying retryable errors (5xx, timeouts, refused) with backoff until the deadline. */
      const retrying = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        let delay = 250;
        for (;;) {
          try {
            return await fn();
          } catch (err) {
            if (!(err instanceof ArgoError) || !err.retryable || err instanceof ArgoOperationInProgressError) throw err;
            if (elapsed() + delay >= deadlineMs) {
              throw new StepFailed(`Gave up on Argo CD after ${Math.round(deadlineMs / 1000)} s while trying to ${what} '${name}': ${err.message}`);
            }
            await status(`${err.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
            await clock.sleep(delay);
            delay = Math.min(delay * 2, 5000);
          }
        }
      };

      try {
        await status(`Refreshing Argo CD application '${name}'`);
        let app = await retrying('refresh', () => deps.argo.getApplication(name, { refresh: 'normal' }));
        let req = buildSyncRequest(app, input);
        let triggeredAtMs = 0;

        // Request the sync; wait out another operation, drop a revision Argo CD will not take.
        for (;;) {
          try {
            triggeredAtMs = clock.now();
            await status(`Asking Argo CD to sync '${name}' to ${req.revision ? req.revision.slice(0, 12) : 'its tracked branch'}`);
            await retrying('sync', () => deps.argo.sync(name, req));
            break;
          } catch (err) {
            if (err instanceof ArgoRevisionNotTrackedError && req.revision) {
              const { revision: _dropped, ...rest } = req;
              req = rest;
              continue;
            }
            if (err instanceof ArgoOperationInProgressError) {
              await status(`Argo CD is busy with another operation on '${name}'; waiting for it to finish`);
              await waitForIdle();
              continue;
            }
            throw err;
          }
        }

        // Follow the operation and the app's health.
        const exp: SyncExpectation = { appName: name, commitSha: input.commitSha, deploymentId: input.deploymentId, triggeredAtMs, deadlineMs, degradedGraceMs: graceMs };
        const checked = new Map<string, boolean>();
        let degradedSince: number | undefined;
        let poll = minPoll;
        for (;;) {
          try {
            app = await deps.argo.getApplication(name);
          } catch (err) {
            if (!(err instanceof ArgoError) || !err.retryable) throw err;
            if (elapsed() >= deadlineMs) throw new StepFailed(`Gave up on Argo CD after ${Math.round(deadlineMs / 1000)} s while watching '${name}': ${err.message}`);
            await status(`${err.message}; retrying`);
            await clock.sleep(poll);
            poll = Math.min(poll * 2, maxPoll);
            continue;
          }
          const op = app.status?.operationState;
          let revisionContainsCommit: boolean | undefined;
          let comparedRevisionContainsCommit: boolean | undefined;
          const revision = syncedRevisionOf(app);
          /** Whether `rev` contains the commit, asked of git once per revision; undefined while git cannot say. */
          const contains = async (rev: string): Promise<boolean | undefined> => {
            if (!checked.has(rev)) {
              try {
                checked.set(rev, rev === input.commitSha || (await input.isDescendant(rev, input.commitSha)));
              } catch (err) {
                // The git side may lag or fail for a moment; ask again on the next poll.
                await status(`Could not yet check that ${rev.slice(0, 12)} contains ${input.commitSha.slice(0, 12)}: ${(err as Error).message}`);
              }
            }
            return checked.get(rev);
          };
          if (op?.phase === 'Succeeded' && revision && isRelevantOperation(op, exp)) {
            revisionContainsCommit = await contains(revision);
            // Health describes status.sync.revision; a later push may have moved it past ours.
            const compared = app.status?.sync?.revision;
            if (revisionContainsCommit && compared && compared !== revision && app.status?.sync?.status === 'Synced') {
              comparedRevisionContainsCommit = await contains(compared);
            }
          }
          if (app.status?.health?.status === 'Degraded') degradedSince ??= clock.now();
          else degradedSince = undefined;
          const verdict = decide(
            { app, elapsedMs: elapsed(), degradedForMs: degradedSince === undefined ? 0 : clock.now() - degradedSince, revisionContainsCommit, comparedRevisionContainsCommit },
            exp,
          );
          if (verdict.decision === 'running') {
            await status(verdict.message);
            return { outcome: 'RUNNING', message: verdict.message, syncedRevision: verdict.revision };
          }
          if (verdict.decision === 'failed') {
            if (elapsed() >= deadlineMs && isRelevantOperation(op, exp) && (op?.phase === 'Running')) {
              // Do not leave a sync running that Kubidu has already called FAILED.
              await deps.argo.terminateOperation?.(name).catch(() => undefined);
            }
            return { outcome: 'FAILED', message: verdict.message, syncedRevision: revision, cause: verdict.cause };
          }
          await status(verdict.message);
          await clock.sleep(poll);
          poll = Math.min(Math.ceil(poll * 1.5), maxPoll);
        }
      } catch (err) {
        if (err instanceof StepFailed) return fail(err.message);
        if (err instanceof ArgoError) return fail(err.message);
        throw err;
      }

      /** Polls until the app has no running operation (or the deadline passes). */
      async function waitForIdle(): Promise<void> {
        let poll = minPoll;
        for (;;) {
          const app = await retrying('watch', () => deps.argo.getApplication(name));
          const phase = app.status?.operationState?.phase;
          const busy = !!app.operation || phase === 'Running' || phase === 'Terminating';
          if (!busy) return;
          if (elapsed() >= deadlineMs) {
            throw new StepFailed(`Argo CD was still busy with another operation on '${name}' after ${Math.round(deadlineMs / 1000)} s: ${describe(app)}`);
          }
          await clock.sleep(poll);
          poll = Math.min(poll * 2, maxPoll);
        }
      }
    },
  };
}
