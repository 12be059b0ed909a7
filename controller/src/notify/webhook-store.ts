/**
 * The delivery worker's SQL. A claim takes due outbox rows with FOR UPDATE SKIP
 * LOCKED and puts them under a lease (so two controller processes never send the
 * same row at once, and a worker that died mid-send leaves it to another once the
 * lease runs out); recording an attempt is one lease-fenced statement that logs the
 * attempt and moves the row on, so a worker that lost its lease changes nothing.
 */
import type { DataSource } from 'typeorm';
import type { Sealed } from '@kubidu/core/crypto/secret-box';
import type { DeliveryOutcome, WebhookEvent } from '@kubidu/core/contract/webhook-words';

/** One claimed outbox row with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: WebhookEvent;
  body: string;
  /** This attempt's number (1-based). */
  attempt: number;
  url: string;
  secret: Sealed;
}

/** What one attempt came to. */
export interface AttemptRecord {
  outcome: DeliveryOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  retryInMs: number | null;
}

export interface WebhookStore {
  claim(workerId: string, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Logs the attempt and moves the row on; false when the lease was lost (nothing written). */
  record(id: string, workerId: string, r: AttemptRecord): Promise<boolean>;
  /**
   * Deletes events that ended (DELIVERED or FAILED) more than `days` ago, with their attempt log
   * (ON DELETE CASCADE), at most `limit` at a time; pending events are never touched. The count.
   */
  prune(days: number, limit?: number): Promise<number>;
}

const STATUS_AFTER: Record<DeliveryOutcome, string> = { DELIVERED: 'DELIVERED', RETRY: 'PENDING', FAILED: 'FAILED' };

/** The store over `ds`. */
export function createWebhookStore(ds: DataSource): WebhookStore {
  return {
    async claim(workerId, leaseMs, limit) {
      const rows = await ds.query(
        `WITH c AS (
           SELECT o.id FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id AND w.enabled
           WHERE o.status = 'PENDING' AND o.next_attempt_at <= now()
             AND (o.lease_expires_at IS NULL OR o.lease_expires_at < now())
           ORDER BY o.next_attempt_at, o.seq LIMIT $3 FOR UPDATE OF o SKIP LOCKED),
         u AS (
           UPDATE webhook_outbox o SET lease_owner = $1, lease_expires_at = now() + ($2::int * interval '1 millisecond'),
             attempts = o.attempts + 1
           FROM c WHERE o.id = c.id
           RETURNING o.id, o.webhook_id, o.event_id, o.event_type, o.body, o.attempts)
         SELECT u.id, u.webhook_id AS "webhookId", u.event_id AS "eventId", u.event_type AS "eventType", u.body,
                u.attempts AS attempt, w.url, w.secret_encrypted AS "valueEncrypted", w.secret_iv AS "valueIv"
         FROM u JOIN webhooks w ON w.id = u.webhook_id`,
        [workerId, leaseMs, limit],
      );
      return rows.map((r: ClaimedDelivery & Sealed) => ({
        id: r.id,
        webhookId: r.webhookId,
        eventId: r.eventId,
        eventType: r.eventType,
        body: r.body,
        attempt: r.attempt,
        url: r.url,
        secret: { valueEncrypted: r.valueEncrypted, valueIv: r.valueIv },
      }));
    },

    async prune(days, limit = 5000) {
      const rows: Array<{ n: number }> = await ds.query(
        `WITH gone AS (
           DELETE FROM webhook_outbox WHERE id IN (
             SELECT id FROM webhook_outbox
             WHERE status IN ('DELIVERED', 'FAILED') AND coalesce(delivered_at, next_attempt_at, created_at) < now() - ($1::int * interval '1 day')
             ORDER BY seq LIMIT $2)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [days, limit],
      );
      return rows[0].n;
    },

    async record(id, workerId, r) {
      const rows = await ds.query(
        `WITH u AS (
           UPDATE webhook_outbox SET status = $3, lease_owner = NULL, lease_expires_at = NULL,
             next_attempt_at = CASE WHEN $4::int IS NULL THEN next_attempt_at ELSE now() + ($4::int * interval '1 millisecond') END,
             delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() ELSE NULL END,
             last_error = $6
           WHERE id = $1 AND lease_owner = $2 AND status = 'PENDING'
           RETURNING id, webhook_id, event_id, event_type, attempts, next_attempt_at)
         INSERT INTO webhook_deliveries (outbox_id, webhook_id, event_id, event_type, attempt, outcome, status_code, error, duration_ms, next_retry_at)
         SELECT u.id, u.webhook_id, u.event_id, u.event_type, u.attempts, $5, $7, $6, $8,
                CASE WHEN $4::int IS NULL THEN NULL ELSE u.next_attempt_at END
         FROM u RETURNING id`,
        [id, workerId, STATUS_AFTER[r.outcome], r.retryInMs, r.outcome, r.error, r.statusCode, Math.round(r.durationMs)],
      );
      return rows.length === 1;
    },
  };
}
