/**
 * The one audit writer. Every door (API, git importer, controller) appends through
 * it inside the transaction of the change it describes, so an action and its audit
 * row commit or vanish together. It is an interface so a test can hand in one that
 * fails and prove nothing was half-written.
 */
import type { EntityManager } from 'typeorm';
import type { AuditAction } from './vocabulary.js';
import { enabledHooksJson, enqueueWebhookEvents, mayBeEvent, type HookRow } from './webhook-outbox.js';

/** One audit entry. `data` must never hold secret values. */
export interface AuditEntry {
  /** The user acting, or null for Kubidu itself and for git authors without an account. */
  actorId: string | null;
  /** Display name of who acted: an email, a git author, `kubidu-controller`. */
  actor: string;
  action: AuditAction;
  projectId?: string | null;
  serviceId?: string | null;
  deploymentId?: string | null;
  data?: Record<string, unknown>;
}

/** Appends audit rows through the given transaction's EntityManager. */
export interface AuditWriter {
  append(em: EntityManager, entry: AuditEntry): Promise<void>;
}

/**
 * The production writer: one INSERT into the append-only audit_logs table, and —
 * in the same transaction — the outgoing webhook events that row is (the outbox),
 * so every door that audits a deploy, rollback, hold or mark notifies too.
 */
export const auditWriter: AuditWriter = {
  async append(em, e) {
    const params = [e.actorId, e.actor, e.action, e.projectId ?? null, e.serviceId ?? null, e.deploymentId ?? null, JSON.stringify(e.data ?? {})];
    if (!mayBeEvent(e)) {
      await em.query(
        `INSERT INTO audit_logs (actor_id, actor, action, project_id, service_id, deployment_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
        params,
      );
      return;
    }
    // The project's hooks are read by the same statement (one round trip per audit row, not two).
    const [row]: Array<{ id: string; created_at: Date; hooks: HookRow[] }> = await em.query(
      `WITH a AS (INSERT INTO audit_logs (actor_id, actor, action, project_id, service_id, deployment_id, data)
                  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING id, created_at)
       SELECT a.id, a.created_at, ${enabledHooksJson('$4::uuid')} AS hooks FROM a`,
      params,
    );
    await enqueueWebhookEvents(em, row.id, row.created_at, e, row.hooks);
  },
};

