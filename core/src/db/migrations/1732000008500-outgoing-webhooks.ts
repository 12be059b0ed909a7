import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20, item 3: per-project outgoing webhooks. `webhooks` holds each
 * subscription (its secret sealed by SecretBox, never readable back);
 * `webhook_outbox` is written in the same transaction as the audit row an event
 * comes from (so a crash loses none), one row per subscribed hook, with the exact
 * body to send; `webhook_deliveries` logs every attempt (status code, error,
 * duration, next retry), append-only in practice.
 */
export class OutgoingWebhooks1732000008500 implements MigrationInterface {
  name = 'OutgoingWebhooks1732000008500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        url text NOT NULL,
        secret_encrypted text NOT NULL,
        secret_iv text NOT NULL,
        events text[] NOT NULL,
        format text NOT NULL CHECK (format IN ('json', 'slack')),
        enabled boolean NOT NULL DEFAULT true,
        created_by_id uuid NULL REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhooks_project_idx ON webhooks(project_id)`);
    await q.query(`
      CREATE TABLE webhook_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text NULL,
        lease_expires_at timestamptz NULL,
        delivered_at timestamptz NULL,
        last_error text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (webhook_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_outbox_due_idx ON webhook_outbox(next_attempt_at) WHERE status = 'PENDING'`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        outbox_id uuid NOT NULL REFERENCES webhook_outbox(id) ON DELETE CASCADE,
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        attempt int NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('DELIVERED', 'RETRY', 'FAILED')),
        status_code int NULL,
        error text NULL,
        duration_ms int NOT NULL,
        next_retry_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries(webhook_id, seq DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS webhook_outbox`);
    await q.query(`DROP TABLE IF EXISTS webhooks`);
  }
}
