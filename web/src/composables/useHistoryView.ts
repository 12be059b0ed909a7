/**
 * The calmer history, in pure functions tested without a DOM: the engine status
 * said once per service (a row repeats only what differs), how long each
 * deployment was live, the filters by status and door, and which actions a row
 * offers — one place, so role gating (issue 17) is a change to `can`, not to rows.
 */
import type { DeploymentStatus, DeploymentView, Door } from '@kubidu/core/contract/deployments';

/** The parts of a status message that only repeat what the row shows elsewhere (its manifests commit). */
const COMMIT_PART = /^(Committed [0-9a-f]{7,64} to the manifests repo|Manifests already describe this deployment at [0-9a-f]{7,64}; nothing to commit)$/;

/** A status part with the per-deployment details (shas, secret names) replaced, for comparing across rows (pure). */
export function engineKey(part: string): string {
  return part.replace(/\b[0-9a-f]{7,64}\b/g, '…').replace(/\bSecret \S+/g, 'Secret …');
}

/** A status part in the words the service-wide notice uses (pure). */
function sharedWords(part: string): string {
  return part.replace(/, so Secret \S+ was not created/, ', so secrets are not created as Kubernetes Secrets');
}

/** A deployment's status message split into its parts, without what the row already shows (pure). */
export function statusParts(d: Pick<DeploymentView, 'statusMessage' | 'warning'>): string[] {
  if (!d.statusMessage) return [];
  return d.statusMessage
    .split('; ')
    .map((p) => p.trim())
    // The warning is shown on its own line; the status does not say it a second time.
    .filter((p) => p && !COMMIT_PART.test(p) && !(d.warning && d.warning.includes(p)));
}

/** The engine status of a service: the parts every finished row shares, said once; each row keeps only its own (pure). */
export function engineNotes(rows: Pick<DeploymentView, 'id' | 'status' | 'statusMessage' | 'warning' | 'isCurrent'>[]): {
  shared: string[];
  own: Map<string, string[]>;
} {
  // The service's engine speaks through its current (or newest live) deployment.
  const reference = rows.find((r) => r.isCurrent) ?? rows.find((r) => r.status === 'RUNNING' || r.status === 'SUCCESS');
  const sharedParts = reference ? statusParts(reference) : [];
  const sharedKeys = new Set(sharedParts.map(engineKey));
  const own = new Map<string, string[]>();
  for (const r of rows) own.set(r.id, statusParts(r).filter((p) => !sharedKeys.has(engineKey(p))));
  return { shared: sharedParts.map(sharedWords), own };
}

/** "3 h", "25 min", "2 d 4 h", "under a minute" (pure). */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 >= 30 && hours < 3 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

const WAS_LIVE: ReadonlySet<DeploymentStatus> = new Set(['RUNNING', 'SUCCESS']);

/**
 * "live for 3 h" (the current one) or "was live for 20 min" (one a later deploy replaced),
 * from when it went live (finishedAt) until the next newer row went live; rows newest first (pure).
 */
export function liveDurations(rows: Pick<DeploymentView, 'id' | 'status' | 'isCurrent' | 'createdAt' | 'finishedAt'>[], now: number): Map<string, string> {
  const out = new Map<string, string>();
  let replacedAt: number | null = null;
  for (const r of rows) {
    if (!WAS_LIVE.has(r.status)) continue;
    const from = Date.parse(r.finishedAt ?? r.createdAt);
    if (r.isCurrent) out.set(r.id, `live for ${formatDuration(now - from)}`);
    else if (replacedAt !== null && replacedAt >= from) out.set(r.id, `was live for ${formatDuration(replacedAt - from)}`);
    replacedAt = from;
  }
  return out;
}

/** The history's filters; `all` shows everything. */
export interface HistoryFilter {
  status: DeploymentStatus | 'all';
  door: Door | 'all';
}

/** The rows a filter keeps (pure). */
export function filterHistory<T extends Pick<DeploymentView, 'status' | 'door'>>(rows: T[], f: HistoryFilter): T[] {
  return rows.filter((r) => (f.status === 'all' || r.status === f.status) && (f.door === 'all' || r.door === f.door));
}

/** What the signed-in person may do on this service's history (issue 17 sets these from the role). */
export interface HistoryPermissions {
  rollback: boolean;
  markBad: boolean;
}

/** Everything allowed: the owner's view, and the default until roles exist. */
export const ALL_HISTORY_ACTIONS: HistoryPermissions = { rollback: true, markBad: true };

/**
 * The actions a row offers: Rollback where the contract's rule allows it; Mark bad only
 * on a deployment that ran and was replaced (never the current, a failed or an unfinished
 * one); Unmark bad where it is marked (pure).
 */
export function rowActions(
  d: Pick<DeploymentView, 'status' | 'isCurrent' | 'canRollback' | 'bad'>,
  can: HistoryPermissions = ALL_HISTORY_ACTIONS,
): { rollback: boolean; markBad: boolean; unmarkBad: boolean } {
  return {
    rollback: can.rollback && d.canRollback,
    markBad: can.markBad && !d.bad && !d.isCurrent && WAS_LIVE.has(d.status),
    unmarkBad: can.markBad && !!d.bad,
  };
}
