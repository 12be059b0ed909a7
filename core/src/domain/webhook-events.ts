/**
 * What an outgoing webhook says: which audit actions are events (and which event,
 * for the ones that depend on the row — a finished rollback is `rollback.*`), the
 * JSON event object, and its Slack-compatible rendering. Pure: the outbox
 * (webhook-outbox.ts) loads the row and writes what these return.
 */
import type { WebhookEvent, WebhookFormat } from '../contract/webhook-words.js';
import { AUDIT_ACTIONS, type AuditAction } from './vocabulary.js';

/** The actions that can become events; anything else is never looked at twice. */
export const EVENT_ACTIONS: ReadonlySet<AuditAction> = new Set([
  AUDIT_ACTIONS.deploymentCreated,
  AUDIT_ACTIONS.deploymentRollback,
  AUDIT_ACTIONS.gitChange,
  AUDIT_ACTIONS.deploymentRunning,
  AUDIT_ACTIONS.deploymentFailed,
  AUDIT_ACTIONS.holdSet,
  AUDIT_ACTIONS.holdReleased,
  AUDIT_ACTIONS.deploymentMarkedBad,
  AUDIT_ACTIONS.deploymentUnmarkedBad,
]);

/** The deployment an event is about, as the event carries it. */
export interface EventDeployment {
  id: string;
  status: string;
  /** API, ROLLBACK, GIT — or AUTO for Kubidu's automatic rollback: receivers tell manual from automatic by it. */
  source: string;
  via: string | null;
  imageUrl: string;
  /** The deployment a rollback returns to; null for a plain deploy. */
  rollbackOfId: string | null;
  actor: string;
  reason: string | null;
  statusMessage: string | null;
  manifestsCommitSha: string | null;
}

/** The JSON event (format `json` sends exactly this). */
export interface WebhookEventBody {
  /** The audit row's id: the same on every attempt and every hook, for deduplication. */
  id: string;
  type: WebhookEvent;
  occurredAt: string;
  actor: string;
  project: { id: string; slug: string; name: string };
  service: { id: string; name: string } | null;
  deployment: EventDeployment | null;
  /** The audit row's data (never holds secret values). */
  details: Record<string, unknown>;
}

/** The event an audit action is, given the deployment it names (null: not an event). */
export function eventTypeFor(action: AuditAction, deployment: Pick<EventDeployment, 'rollbackOfId' | 'source'> | null): WebhookEvent | null {
  const rollback = deployment !== null && (deployment.rollbackOfId !== null || deployment.source === 'ROLLBACK' || deployment.source === 'AUTO');
  switch (action) {
    case AUDIT_ACTIONS.deploymentCreated:
      return 'deployment.started';
    case AUDIT_ACTIONS.deploymentRollback:
      return 'rollback.started';
    case AUDIT_ACTIONS.gitChange:
      return deployment ? (rollback ? 'rollback.started' : 'deployment.started') : null;
    case AUDIT_ACTIONS.deploymentRunning:
      return rollback ? 'rollback.succeeded' : 'deployment.succeeded';
    case AUDIT_ACTIONS.deploymentFailed:
      return rollback ? 'rollback.failed' : 'deployment.failed';
    case AUDIT_ACTIONS.holdSet:
      return 'hold.set';
    case AUDIT_ACTIONS.holdReleased:
      return 'hold.released';
    case AUDIT_ACTIONS.deploymentMarkedBad:
      return 'deployment.marked_bad';
    case AUDIT_ACTIONS.deploymentUnmarkedBad:
      return 'deployment.unmarked_bad';
    default:
      return null;
  }
}

/** Slack mrkdwn needs &, < and > escaped; nothing else. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const short = (id: string | null | undefined) => (id ? id.slice(0, 8) : '?');

/** One line a person reads in a chat channel. */
export function eventSummary(e: WebhookEventBody): string {
  const where = e.service ? `${e.project.slug}/${e.service.name}` : e.project.slug;
  const d = e.deployment;
  const by = `by ${e.actor}`;
  const reason = (r: unknown) => (typeof r === 'string' && r ? ` — ${r}` : '');
  const automatic = d?.source === 'AUTO' ? 'automatic ' : '';
  switch (e.type) {
    case 'deployment.started':
      return `${where}: deploy ${short(d?.id)} of ${d?.imageUrl} started ${by}${d?.via ? ` (via ${d.via})` : d?.source === 'GIT' ? ' (git)' : ''}${reason(d?.reason)}`;
    case 'deployment.succeeded':
      return `${where}: deploy ${short(d?.id)} of ${d?.imageUrl} is running`;
    case 'deployment.failed':
      return `${where}: deploy ${short(d?.id)} of ${d?.imageUrl} failed${reason(d?.statusMessage)}`;
    case 'rollback.started':
      return `${where}: ${automatic}rollback ${short(d?.id)} to deployment ${short(d?.rollbackOfId)} (${d?.imageUrl}) started ${by}${reason(d?.reason)}`;
    case 'rollback.succeeded':
      return `${where}: ${automatic}rollback ${short(d?.id)} to deployment ${short(d?.rollbackOfId)} is running`;
    case 'rollback.failed':
      return `${where}: ${automatic}rollback ${short(d?.id)} to deployment ${short(d?.rollbackOfId)} failed${reason(d?.statusMessage)}`;
    case 'hold.set':
      return `${where}: deploys held by rollback ${short(e.details.rollbackId as string)} ${by}`;
    case 'hold.released':
      return `${where}: deploy hold of rollback ${short(e.details.rollbackId as string)} released ${by}${reason(e.details.reason)}`;
    case 'deployment.marked_bad':
      return `${where}: deployment ${short(d?.id)} (${d?.imageUrl}) marked bad ${by}${reason(e.details.reason)}`;
    case 'deployment.unmarked_bad':
      return `${where}: deployment ${short(d?.id)} (${d?.imageUrl}) no longer marked bad, ${by}`;
  }
}

/** The exact body a hook of `format` is sent for `e` (rendered once, at enqueue, so every retry sends the same bytes). */
export function renderEventBody(e: WebhookEventBody, format: WebhookFormat): string {
  if (format === 'json') return JSON.stringify(e);
  const text = eventSummary(e);
  return JSON.stringify({
    text: esc(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: esc(text) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: esc(`kubidu · ${e.type} · event ${e.id}`) }] },
    ],
  });
}
