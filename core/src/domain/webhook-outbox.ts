/**
 * The outbox of outgoing webhooks. The audit writer calls `enqueueWebhookEvents`
 * inside the transaction of the change it records, so an event is queued exactly
 * when its cause commits (a rolled-back request queues nothing, a crash after the
 * commit loses nothing). One row per subscribed hook, holding the exact body to
 * send; the controller's delivery worker claims and sends them.
 */
import type { EntityManager } from 'typeorm';
import type { WebhookEvent, WebhookFormat } from '../contract/webhook-words.js';
import type { AuditAction } from './vocabulary.js';
import { EVENT_ACTIONS, eventTypeFor, renderEventBody, type EventDeployment, type WebhookEventBody } from './webhook-events.js';

/** What an event is made from: the audit entry being written (declared here so the audit writer imports this module, not the reverse). */
export interface EventSource {
  actor: string;
  action: AuditAction;
  projectId?: string | null;
  serviceId?: string | null;
  deploymentId?: string | null;
  data?: Record<string, unknown>;
}

/** One enabled hook of a project, as the outbox needs it. */
export interface HookRow {
  id: string;
  format: WebhookFormat;
  events: WebhookEvent[];
}

interface ContextRow {
  projectId: string;
  projectSlug: string;
  projectName: string;
  serviceId: string | null;
  serviceName: string | null;
  deployment: EventDeployment | null;
}

/** The project, service and deployment an audit row names, as the event carries them. */
async function loadContext(em: EntityManager, e: EventSource): Promise<ContextRow | null> {
  const [row] = await em.query(
    `SELECT p.id AS "projectId", p.slug AS "projectSlug", p.name AS "projectName",
            s.id AS "serviceId", s.name AS "serviceName",
            CASE WHEN d.id IS NULL THEN NULL ELSE json_build_object(
              'id', d.id, 'status', d.status, 'source', d.source, 'via', d.via, 'imageUrl', d.image_url,
              'rollbackOfId', d.rollback_from_id, 'actor', d.actor, 'reason', d.reason,
              'statusMessage', d.status_message, 'manifestsCommitSha', d.manifests_commit_sha) END AS deployment
       FROM projects p
       LEFT JOIN services s ON s.id = $2::uuid AND s.project_id = p.id
       LEFT JOIN deployments d ON d.id = $3::uuid
       WHERE p.id = $1`,
    [e.projectId, e.serviceId ?? null, e.deploymentId ?? null],
  );
  return row ?? null;
}

/** Is the audit entry `e` an event some hook could subscribe to (an event-worthy action in a project)? */
export function mayBeEvent(e: EventSource): boolean {
  return !!e.projectId && EVENT_ACTIONS.has(e.action);
}

/** The SQL expression (a json array) of the enabled hooks of project `$projectParam`, for a caller folding the lookup into its own statement. */
export function enabledHooksJson(projectParam: string): string {
  return `(SELECT coalesce(json_agg(json_build_object('id', w.id, 'format', w.format, 'events', w.events)), '[]'::json) FROM webhooks w WHERE w.project_id = ${projectParam} AND w.enabled)`;
}

/**
 * Queues the event `e` is (if it is one) for every enabled hook of its project that
 * subscribes to it. `eventId` and `occurredAt` are the audit row's. `hooks`: the project's
 * enabled hooks when the caller already read them (the audit writer reads them in its
 * INSERT); otherwise one indexed SELECT for an event-worthy action, nothing for others.
 */
export async function enqueueWebhookEvents(em: EntityManager, eventId: string, occurredAt: Date, e: EventSource, hooks?: HookRow[]): Promise<number> {
  if (!mayBeEvent(e)) return 0;
  hooks ??= (await em.query(`SELECT id, format, events FROM webhooks WHERE project_id = $1 AND enabled`, [e.projectId])) as HookRow[];
  if (hooks.length === 0) return 0;
  const ctx = await loadContext(em, e);
  if (!ctx) return 0;
  const type = eventTypeFor(e.action, ctx.deployment);
  if (!type) return 0;
  const subscribed = hooks.filter((h) => h.events.includes(type));
  if (subscribed.length === 0) return 0;
  const event: WebhookEventBody = {
    id: eventId,
    type,
    occurredAt: new Date(occurredAt).toISOString(),
    actor: e.actor,
    project: { id: ctx.projectId, slug: ctx.projectSlug, name: ctx.projectName },
    service: ctx.serviceId ? { id: ctx.serviceId, name: ctx.serviceName! } : null,
    deployment: ctx.deployment,
    details: e.data ?? {},
  };
  for (const h of subscribed) {
    await em.query(
      `INSERT INTO webhook_outbox (webhook_id, event_id, event_type, body) VALUES ($1, $2, $3, $4)
       ON CONFLICT (webhook_id, event_id) DO NOTHING`,
      [h.id, eventId, type, renderEventBody(event, h.format)],
    );
  }
  return subscribed.length;
}
