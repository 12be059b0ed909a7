/**
 * A project's outgoing webhooks: create, list, change, delete, and the delivery
 * log. Owner-only (the project's ownership check), one transaction per request,
 * each change audited (the URL's host only: a Slack URL's path is a credential).
 * The secret is sealed with SecretBox on the way in and never read back out.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import { webhookUrlProblem } from '@kubidu/core/domain/webhook-url';
import { KubiduError, NotFoundError } from '@kubidu/core/errors';
import type {
  CreateWebhookBody,
  DeliveryList,
  UpdateWebhookBody,
  WebhookEvent,
  WebhookFormat,
  WebhookView,
} from '@kubidu/core/contract/webhooks';
import type { AuthUser } from '../auth/auth-service.js';
import { projectFor } from '../access/permissions.js';

interface HookRow {
  id: string;
  project_id: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const HOOK_COLUMNS = `id, project_id, url, events, format, enabled, created_at, updated_at`;

const view = (r: HookRow): WebhookView => ({
  id: r.id,
  projectId: r.project_id,
  url: r.url,
  events: r.events,
  format: r.format,
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** 400 WEBHOOK_URL_INVALID naming why. */
export class WebhookUrlInvalidError extends KubiduError<'WEBHOOK_URL_INVALID'> {
  constructor(message: string) {
    super('WEBHOOK_URL_INVALID', 400, `body/${message}`);
  }
}

/** The webhook service of the API. */
export class WebhookService {
  constructor(private readonly deps: { ds: DataSource; audit: AuditWriter; secretBox: SecretBox; allowPrivate: boolean }) {}

  private checkUrl(url: string): string {
    const problem = webhookUrlProblem(url, { allowPrivate: this.deps.allowPrivate });
    if (problem) throw new WebhookUrlInvalidError(problem);
    return new URL(url).toString();
  }

  private async hookOf(em: EntityManager, projectId: string, hookId: string, lock = false): Promise<HookRow> {
    const [row]: HookRow[] = await em.query(
      `SELECT ${HOOK_COLUMNS} FROM webhooks WHERE id = $1 AND project_id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [hookId, projectId],
    );
    if (!row) throw new NotFoundError('WEBHOOK_NOT_FOUND', 'Webhook not found in this project');
    return row;
  }

  private async audit(em: EntityManager, user: AuthUser, action: (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS], projectId: string, data: Record<string, unknown>) {
    await this.deps.audit.append(em, { actorId: user.id, actor: user.email, action, projectId, data });
  }

  async list(user: AuthUser, projectId: string): Promise<WebhookView[]> {
    return this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      const rows: HookRow[] = await em.query(`SELECT ${HOOK_COLUMNS} FROM webhooks WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
      return rows.map(view);
    });
  }

  async create(user: AuthUser, projectId: string, body: CreateWebhookBody): Promise<WebhookView> {
    return this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      const url = this.checkUrl(body.url);
      const sealed = this.deps.secretBox.seal(body.secret);
      const [row]: HookRow[] = await em.query(
        `INSERT INTO webhooks (project_id, url, secret_encrypted, secret_iv, events, format, enabled, created_by_id)
         VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8) RETURNING ${HOOK_COLUMNS}`,
        [projectId, url, sealed.valueEncrypted, sealed.valueIv, body.events, body.format ?? 'json', body.enabled ?? true, user.id],
      );
      await this.audit(em, user, AUDIT_ACTIONS.webhookCreated, projectId, {
        webhookId: row.id,
        host: new URL(url).host,
        events: row.events,
        format: row.format,
      });
      return view(row);
    });
  }

  async update(user: AuthUser, projectId: string, hookId: string, body: UpdateWebhookBody): Promise<WebhookView> {
    return this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      await this.hookOf(em, projectId, hookId, true);
      const url = body.url === undefined ? null : this.checkUrl(body.url);
      const sealed = body.secret === undefined ? null : this.deps.secretBox.seal(body.secret);
      const [row]: HookRow[] = await em.query(
        `WITH u AS (UPDATE webhooks SET url = coalesce($2, url), secret_encrypted = coalesce($3, secret_encrypted),
           secret_iv = coalesce($4, secret_iv), events = coalesce($5::text[], events), format = coalesce($6, format),
           enabled = coalesce($7, enabled), updated_at = now()
         WHERE id = $1 RETURNING ${HOOK_COLUMNS}) SELECT * FROM u`,
        [hookId, url, sealed?.valueEncrypted ?? null, sealed?.valueIv ?? null, body.events ?? null, body.format ?? null, body.enabled ?? null],
      );
      await this.audit(em, user, AUDIT_ACTIONS.webhookUpdated, projectId, {
        webhookId: hookId,
        changed: Object.keys(body).sort(),
        host: new URL(row.url).host,
      });
      return view(row);
    });
  }

  async remove(user: AuthUser, projectId: string, hookId: string): Promise<void> {
    await this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      const row = await this.hookOf(em, projectId, hookId, true);
      await em.query(`DELETE FROM webhooks WHERE id = $1`, [hookId]);
      await this.audit(em, user, AUDIT_ACTIONS.webhookDeleted, projectId, { webhookId: hookId, host: new URL(row.url).host });
    });
  }

  async deliveries(user: AuthUser, projectId: string, hookId: string, limit: number): Promise<DeliveryList> {
    return this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      await this.hookOf(em, projectId, hookId);
      const items = await em.query(
        `SELECT id, event_id AS "eventId", event_type AS "eventType", outbox_id AS "deliveryId", attempt, outcome,
                status_code AS "statusCode", error, duration_ms AS "durationMs", next_retry_at AS "nextRetryAt", created_at AS "createdAt"
         FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY seq DESC LIMIT $2`,
        [hookId, limit],
      );
      const pending = await em.query(
        `SELECT id AS "deliveryId", event_id AS "eventId", event_type AS "eventType", attempts, next_attempt_at AS "nextAttemptAt", created_at AS "createdAt"
         FROM webhook_outbox WHERE webhook_id = $1 AND status = 'PENDING' ORDER BY next_attempt_at, seq LIMIT $2`,
        [hookId, limit],
      );
      const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
      return {
        items: items.map((r: Record<string, unknown>) => ({ ...r, nextRetryAt: iso(r.nextRetryAt as Date | null), createdAt: iso(r.createdAt as Date) })),
        pending: pending.map((r: Record<string, unknown>) => ({ ...r, nextAttemptAt: iso(r.nextAttemptAt as Date), createdAt: iso(r.createdAt as Date) })),
      } as DeliveryList;
    });
  }
}
