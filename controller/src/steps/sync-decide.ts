/**
 * The pure half of the sync step: given what Argo CD reports about an Application and what
 * Kubidu expects, say whether the deployment is RUNNING, FAILED or still in flight. No I/O,
 * so every rule here is unit-tested with plain objects.
 */
import type { ArgoApplication, ArgoOperationState } from '../adapters/argocd/types.js';

/** Names of the operation infos Kubidu attaches to every sync it requests (shown in the Argo CD UI). */
export const INFO_DEPLOYMENT = 'Kubidu-Deployment';
export const INFO_ACTOR = 'Kubidu-Actor';
export const INFO_REASON = 'Kubidu-Reason';
export const INFO_COMMIT = 'Kubidu-Commit';

/** What the watcher saw on one poll. */
export interface SyncObservation {
  app: ArgoApplication;
  /** ms since the step started. */
  elapsedMs: number;
  /** How long health has been Degraded without a break (0 when it is not Degraded). */
  degradedForMs: number;
  /** Whether the revision the operation reports is the commit or a descendant; undefined until checked. */
  revisionContainsCommit?: boolean;
  /**
   * Whether `status.sync.revision` (the revision health was computed for) contains the commit,
   * when it differs from the operation's revision (a later push); undefined until checked.
   */
  comparedRevisionContainsCommit?: boolean;
}

/** What Kubidu is waiting for. */
export interface SyncExpectation {
  appName: string;
  commitSha: string;
  deploymentId: string;
  /** Wall-clock ms when Kubidu requested its sync; operations started since then count as ours too. */
  triggeredAtMs: number;
  deadlineMs: number;
  degradedGraceMs: number;
}

/**
 * Why a sync ended FAILED: Argo CD said the sync failed (or errored), Argo CD reported the app
 * Degraded past the grace period, it synced a revision without the commit, or nothing conclusive
 * came before the deadline. Only the first two are Argo CD's verdict on the deployment itself,
 * and only they trigger an automatic rollback (issue 20).
 */
export type SyncFailureCause = 'sync-failed' | 'degraded' | 'wrong-revision' | 'deadline';

/** The verdict; `message` is for a person and carries Argo CD's own words where there are some. */
export type SyncDecision =
  | { decision: 'wait'; message: string }
  | { decision: 'running'; message: string; revision: string }
  | { decision: 'failed'; message: string; cause: SyncFailureCause };

const short = (sha: string) => (/^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 12) : sha);

/**
 * True when the operation is the one Kubidu asked for (its infos name the deployment) or one
 * that started after Kubidu's request (a later sync that will include the commit, e.g. auto-sync).
 */
export function isRelevantOperation(op: ArgoOperationState | undefined, exp: Pick<SyncExpectation, 'deploymentId' | 'triggeredAtMs'>): boolean {
  if (!op) return false;
  const infos = op.operation?.info ?? [];
  if (infos.some((i) => i.name === INFO_DEPLOYMENT && i.value === exp.deploymentId)) return true;
  if (!op.startedAt) return false;
  const started = Date.parse(op.startedAt);
  // Argo CD stamps startedAt with second precision.
  return Number.isFinite(started) && started >= Math.floor(exp.triggeredAtMs / 1000) * 1000;
}

/** The revision an operation synced: syncResult first, then the app's compared revision. */
export function syncedRevisionOf(app: ArgoApplication): string | undefined {
  const op = app.status?.operationState;
  return op?.syncResult?.revision || op?.syncResult?.revisions?.[0] || app.status?.sync?.revision || undefined;
}

/**
 * Why `status.health` does not yet describe the synced revision, or undefined when it does.
 * Argo CD updates sync and health only at the reconcile after an operation ends; until then
 * they still describe the previous revision (often a Healthy that is not ours). The health
 * counts once the app was reconciled since the operation finished (what `argocd app wait`
 * checks) and is Synced to a revision that contains the commit.
 */
export function staleHealthReason(app: ArgoApplication, revision: string, obs: Pick<SyncObservation, 'comparedRevisionContainsCommit'>): string | undefined {
  const finishedAt = app.status?.operationState?.finishedAt;
  const reconciledAt = app.status?.reconciledAt;
  if (finishedAt && (!reconciledAt || Date.parse(reconciledAt) < Date.parse(finishedAt))) return 'not reconciled since the sync finished';
  const sync = app.status?.sync;
  if (sync?.status !== 'Synced') return `sync status ${sync?.status ?? 'unknown'}`;
  if (sync.revision && sync.revision !== revision && obs.comparedRevisionContainsCommit !== true) return `health is for ${short(sync.revision)}`;
  return undefined;
}

/** One line describing where the app is, used in wait and deadline messages. */
export function describe(app: ArgoApplication): string {
  const op = app.status?.operationState;
  const parts: string[] = [];
  if (op?.phase) parts.push(`operation ${op.phase}${op.message ? ` (${op.message})` : ''}`);
  else parts.push('no operation yet');
  if (app.status?.sync?.status) parts.push(`sync ${app.status.sync.status}`);
  const h = app.status?.health;
  if (h?.status) parts.push(`health ${h.status}${h.message ? ` (${h.message})` : ''}`);
  return parts.join(', ');
}

/** Decides the deployment's fate from one observation; see SyncDecision. */
export function decide(obs: SyncObservation, exp: SyncExpectation): SyncDecision {
  const { app } = obs;
  const name = exp.appName;
  const op = app.status?.operationState;
  const ours = isRelevantOperation(op, exp);
  const health = app.status?.health;
  const pastDeadline = obs.elapsedMs >= exp.deadlineMs;

  if (ours && op) {
    if (op.phase === 'Failed' || op.phase === 'Error') {
      return { decision: 'failed', cause: 'sync-failed', message: `Argo CD sync of '${name}' ${op.phase === 'Error' ? 'errored' : 'failed'}: ${op.message || 'no message from Argo CD'}` };
    }
    if (op.phase === 'Succeeded') {
      const revision = syncedRevisionOf(app);
      if (revision && obs.revisionContainsCommit === false) {
        return {
          decision: 'failed',
          cause: 'wrong-revision',
          message: `Argo CD synced '${name}' to ${short(revision)}, which does not contain commit ${short(exp.commitSha)}: check the Application's targetRevision and repoURL`,
        };
      }
      if (revision && obs.revisionContainsCommit === true) {
        const stale = staleHealthReason(app, revision, obs);
        if (stale) {
          if (!pastDeadline) return { decision: 'wait', message: `Argo CD synced '${name}' to ${short(revision)}; waiting for the health of that revision (${stale}): ${describe(app)}` };
        } else if (health?.status === 'Healthy') {
          return { decision: 'running', message: `Argo CD synced '${name}' to ${short(revision)} and it is Healthy`, revision };
        } else if (health?.status === 'Degraded' && obs.degradedForMs >= exp.degradedGraceMs) {
          return { decision: 'failed', cause: 'degraded', message: `Argo CD reports '${name}' Degraded after syncing ${short(revision)}: ${health.message || 'no message from Argo CD'}` };
        }
      }
    }
  }

  if (pastDeadline) {
    return {
      decision: 'failed',
      cause: 'deadline',
      message: `Argo CD did not report '${name}' synced to ${short(exp.commitSha)} and Healthy within ${Math.round(exp.deadlineMs / 1000)} s; last seen: ${describe(app)}`,
    };
  }
  if (!ours) return { decision: 'wait', message: `Waiting for Argo CD to start syncing '${name}'` };
  return { decision: 'wait', message: `Argo CD is syncing '${name}': ${describe(app)}` };
}
