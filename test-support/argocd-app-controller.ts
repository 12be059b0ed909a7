/**
 * The application-controller half of the Argo CD test server: what happens to an Application
 * after the API accepted a request, with Argo CD's own timing and order of events.
 *
 * - A sync request only sets `operation` (and clears `status.operationState`, as Argo CD's
 *   SetAppOperation does). The controller picks it up after `pickupMs`: operationState Running.
 * - The operation renders the app at its revision (./argocd-repo-server.ts), takes `syncMs`,
 *   and ends Succeeded (or Failed/Error) with `finishedAt` and `syncResult.revision`.
 * - `status.sync` and `status.health` are not touched by the operation: they change at the next
 *   reconcile, `reconcileMs` later. Until then they still describe the previous revision (a
 *   Healthy of the old revision, `reconciledAt` older than `finishedAt`): the stale window.
 *   That reconcile reports the new revision Synced and health Progressing; `healthyMs` later
 *   Healthy (or Degraded).
 * - A reconcile (a refresh request, or the poll every `pollMs`, 3 min in Argo CD) resolves the
 *   branch on the remote; an automated app that is OutOfSync and has not already tried that
 *   revision starts its own sync (initiatedBy automated), as Argo CD's auto-sync does.
 */
import type { ArgoApplication, ArgoOperation, ArgoOperationState, ArgoResourceResult } from '../controller/src/adapters/argocd/types.js';
import { RepoServerError, type RenderedApp, type RepoServer } from './argocd-repo-server.js';

/** Argo CD's latencies, each overridable per test (see DEFAULT_ARGO_DELAYS). */
export interface ArgoDelays {
  /** A `?refresh=` GET waits this long for the controller's reconcile before it answers. */
  refreshMs: number;
  /** From a sync request (`operation` set) to the controller picking it up (operationState Running). */
  pickupMs: number;
  /** Running → Succeeded/Failed, after the render. */
  syncMs: number;
  /** From the end of an operation to the reconcile that reports its revision (the stale window). */
  reconcileMs: number;
  /** Progressing → Healthy/Degraded after that reconcile (the rollout). */
  healthyMs: number;
  /** How often every app is reconciled on its own (Argo CD: timeout.reconciliation, 180 s); 0 = never. */
  pollMs: number;
  /** How long the other operation of the 'operation-in-progress' failure mode runs. */
  foreignOperationMs: number;
}

/** Defaults that look like a small real Argo CD: sub-second API, a couple of seconds of rollout. */
export const DEFAULT_ARGO_DELAYS: ArgoDelays = {
  refreshMs: 300,
  pickupMs: 400,
  syncMs: 800,
  reconcileMs: 700,
  healthyMs: 1500,
  pollMs: 180_000,
  foreignOperationMs: 1500,
};

/** For tests and benchmarks that measure Kubidu rather than Argo CD: no waiting anywhere, no poll. */
export const INSTANT_ARGO_DELAYS: ArgoDelays = { refreshMs: 0, pickupMs: 0, syncMs: 0, reconcileMs: 0, healthyMs: 0, pollMs: 0, foreignOperationMs: 30 };

/** One Application the test server knows. */
export interface ArgoTestApp {
  name: string;
  project: string;
  /** Path inside the manifests repo, e.g. apps/shop/web. */
  path: string;
  /** Branch, tag or commit the app tracks (Argo CD's spec.source.targetRevision). */
  targetRevision: string;
  /** Auto-sync on (prune + selfHeal), like the ApplicationSet makes them. */
  automated?: boolean;
}

/** How an operation should end (the server's failure mode when it was requested). */
export type OperationOutcome = 'succeed' | 'sync-failed' | 'degraded';

interface Deps {
  apps: Map<string, ArgoApplication>;
  specs: Map<string, ArgoTestApp>;
  repo: RepoServer;
  repoFor(name: string): string;
  delays: ArgoDelays;
  /** The outcome for an operation of `appName` requested now, and its message (from the server's failure mode). */
  outcomeNow(appName: string): { outcome: OperationOutcome; message?: string; autoSyncBlocked: boolean };
  onCrash(message: string): void;
}

/** Second-precision RFC 3339, as Kubernetes stamps metav1.Time. */
export const ts = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The controller's handle; see the file comment. */
export interface AppController {
  /** Reconciles one app now (refresh): sync status, pending health, auto-sync. */
  reconcile(name: string): Promise<void>;
  /** Sets `operation` like the API's Sync does; the controller picks it up later. */
  requestOperation(name: string, operation: ArgoOperation): void;
  /** Another party's operation already running (the 'operation-in-progress' failure mode). */
  startForeignOperation(name: string): void;
  /** The API's TerminateOperation: the running operation ends Failed "Operation terminated". */
  terminate(name: string): void;
  renderedFor(name: string): RenderedApp | undefined;
  bump(app: ArgoApplication): void;
  stop(): void;
}

/** Starts the controller loop (the poll timer) over the server's apps. */
export function createAppController(d: Deps): AppController {
  let resourceVersion = 1;
  const timers = new Set<NodeJS.Timeout>();
  const rendered = new Map<string, RenderedApp>();
  /** Apps whose last operation applied a revision that no reconcile has reported yet. */
  const pendingHealth = new Map<string, { revision: string; outcome: OperationOutcome; message?: string }>();
  const chains = new Map<string, Promise<void>>();
  let stopped = false;

  const bump = (app: ArgoApplication) => {
    app.metadata!.resourceVersion = String(resourceVersion++);
  };
  for (const app of d.apps.values()) bump(app);

  const later = (ms: number, fn: () => void | Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (stopped) return;
      Promise.resolve(fn()).catch((err) => d.onCrash(`argocd app controller crashed: ${(err as Error).stack}`));
    }, ms);
    timers.add(t);
  };

  /** One reconcile at a time per app, as the controller's work queue guarantees. */
  function serial(name: string, fn: () => Promise<void>): Promise<void> {
    const next = (chains.get(name) ?? Promise.resolve()).then(fn, fn);
    chains.set(name, next.catch(() => undefined));
    return next;
  }

  async function reconcileNow(name: string): Promise<void> {
    const app = d.apps.get(name);
    const spec = d.specs.get(name);
    if (!app || !spec || stopped) return;
    const repoURL = d.repoFor(name);
    const status = app.status!;
    let tip: string;
    try {
      tip = await d.repo.resolve(repoURL, spec.targetRevision);
    } catch (err) {
      status.sync = { ...status.sync, status: 'Unknown' };
      status.conditions = [{ type: 'ComparisonError', message: (err as Error).message, lastTransitionTime: ts() }];
      status.reconciledAt = ts();
      bump(app);
      return;
    }
    const applied = rendered.get(name)?.revision;
    const [appliedTree, tipTree] = applied === undefined ? [undefined, ''] : await d.repo.treesOf(repoURL, [applied, tip], spec.path);
    const synced = applied !== undefined && appliedTree === tipTree;
    status.sync = { status: synced ? 'Synced' : 'OutOfSync', revision: tip, comparedTo: { source: { ...app.spec!.source }, destination: { ...app.spec!.destination } } };
    delete status.conditions;
    const pending = pendingHealth.get(name);
    if (pending) {
      pendingHealth.delete(name);
      status.health = { status: 'Progressing', message: 'Waiting for rollout to finish: 0 of 1 updated replicas are available...', lastTransitionTime: ts() };
      later(d.delays.healthyMs, () => {
        if (rendered.get(name)?.revision !== pending.revision || pendingHealth.has(name)) return;
        status.health = pending.outcome === 'degraded'
          ? { status: 'Degraded', message: pending.message ?? 'Deployment "web" exceeded its progress deadline', lastTransitionTime: ts() }
          : { status: 'Healthy', lastTransitionTime: ts() };
        status.reconciledAt = ts();
        bump(app);
      });
    }
    status.reconciledAt = ts();
    bump(app);
    autoSync(name, app, spec, tip);
  }

  function autoSync(name: string, app: ArgoApplication, spec: ArgoTestApp, tip: string) {
    if (!spec.automated || app.operation || app.status?.sync?.status !== 'OutOfSync') return;
    const now = d.outcomeNow(name);
    if (now.autoSyncBlocked) return; // a deny sync window blocks auto-sync too
    // Argo CD does not retry a revision it already tried (alreadyAttemptedSync).
    const last = app.status?.operationState;
    if (last && (last.syncResult?.revision ?? last.operation?.sync?.revision) === tip) return;
    requestOperation(name, {
      sync: { revision: tip, prune: true },
      initiatedBy: { automated: true },
      retry: { limit: 5 },
    });
  }

  function requestOperation(name: string, operation: ArgoOperation) {
    const app = d.apps.get(name)!;
    const { outcome, message } = d.outcomeNow(name);
    app.operation = operation;
    delete app.status!.operationState;
    bump(app);
    later(d.delays.pickupMs, () => runOperation(name, operation, outcome, message));
  }

  async function runOperation(name: string, operation: ArgoOperation, outcome: OperationOutcome, message: string | undefined) {
    const app = d.apps.get(name)!;
    const spec = d.specs.get(name)!;
    if (app.operation !== operation) return;
    const state: ArgoOperationState = { operation, phase: 'Running', message: 'one or more tasks are running', startedAt: ts() };
    app.status!.operationState = state;
    bump(app);
    const current = () => app.status?.operationState === state && state.phase === 'Running';
    const finish = (phase: string, msg: string) => {
      state.phase = phase;
      state.message = msg;
      state.finishedAt = ts();
      delete app.operation;
      bump(app);
    };
    const revision = operation.sync?.revision ?? '';
    let result: RenderedApp;
    try {
      result = await d.repo.render(d.repoFor(name), spec.path, revision);
    } catch (err) {
      if (!current()) return;
      const text = err instanceof RepoServerError ? err.message : String(err);
      finish('Error', `rpc error: code = Unknown desc = Manifest generation error (cached): ${text}`);
      return;
    }
    await new Promise((r) => later(d.delays.syncMs, () => r(undefined)));
    if (!current()) return;
    const failed = outcome === 'sync-failed';
    const resources: ArgoResourceResult[] = result.objects.map((o) => {
      const [group, version] = String(o.apiVersion ?? '').includes('/') ? String(o.apiVersion).split('/') : ['', String(o.apiVersion ?? '')];
      return {
        group, version, kind: o.kind, namespace: o.metadata?.namespace ?? spec.project, name: o.metadata?.name,
        status: failed ? 'SyncFailed' : 'Synced',
        message: failed ? (message ?? 'failed') : `${String(o.kind).toLowerCase()}/${o.metadata?.name} configured`,
        hookPhase: failed ? 'Failed' : 'Running', syncPhase: 'Sync',
      };
    });
    state.syncResult = { revision, resources, source: { ...app.spec!.source } };
    if (failed) {
      finish('Failed', message ?? 'one or more objects failed to apply, reason: Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Invalid value: "": must not be empty');
    } else {
      rendered.set(name, result);
      pendingHealth.set(name, { revision, outcome, message });
      const history = app.status!.history ?? [];
      history.push({ id: history.length, revision, deployedAt: ts(), initiatedBy: operation.initiatedBy });
      app.status!.history = history;
      finish('Succeeded', 'successfully synced (all tasks run)');
    }
    // Argo CD asks for a refresh when an operation completes; until it runs, sync and health are stale.
    later(d.delays.reconcileMs, () => serial(name, () => reconcileNow(name)));
  }

  function startForeignOperation(name: string) {
    const app = d.apps.get(name)!;
    // Someone else's operation on what is deployed now (a self-heal, a person's resync).
    const op: ArgoOperation = { sync: { revision: rendered.get(name)?.revision ?? '' }, initiatedBy: { automated: true }, info: [{ name: 'Reason', value: 'Auto-sync' }] };
    app.operation = op;
    const state: ArgoOperationState = { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/web', operation: op, startedAt: ts() };
    app.status!.operationState = state;
    bump(app);
    later(d.delays.foreignOperationMs, () => {
      if (app.status?.operationState !== state) return;
      state.phase = 'Succeeded';
      state.message = 'successfully synced (all tasks run)';
      state.finishedAt = ts();
      delete app.operation;
      bump(app);
    });
  }

  // The periodic reconcile of every app (Argo CD's timeout.reconciliation).
  if (d.delays.pollMs > 0) {
    const polling = new Set<string>(); // a slow reconcile is not queued again behind itself
    const poll = setInterval(() => {
      for (const name of d.apps.keys()) {
        if (polling.has(name)) continue;
        polling.add(name);
        void serial(name, () => reconcileNow(name))
          .catch((err) => d.onCrash(`poll crashed: ${(err as Error).message}`))
          .finally(() => polling.delete(name));
      }
    }, d.delays.pollMs);
    poll.unref();
    timers.add(poll);
  }

  return {
    reconcile: (name) => serial(name, () => reconcileNow(name)),
    requestOperation,
    startForeignOperation,
    terminate(name) {
      const app = d.apps.get(name)!;
      const state = app.status!.operationState!;
      state.phase = 'Failed';
      state.message = 'Operation terminated';
      state.finishedAt = ts();
      delete app.operation;
      bump(app);
    },
    renderedFor: (name) => rendered.get(name),
    bump,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
