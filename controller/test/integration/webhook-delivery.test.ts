/**
 * Outgoing webhooks, delivered from the database (issue 20, item 3), against a
 * real Postgres and a real local HTTP receiver that checks every signature:
 * events enter the outbox in the transaction of their cause (through core's audit
 * writer, from the controller's own store too), a delivery that fails (500, then a
 * timeout) is retried with backoff and delivered, every attempt is logged, attempts
 * run out into FAILED, a stopped worker loses nothing and a restarted one sends
 * nothing twice, two workers on one database deliver each event once, and private
 * addresses are refused at connect time unless allowed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { isPrivateAddress } from '@kubidu/core/domain/webhook-url';
import type { DataSource, EntityManager } from 'typeorm';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { auditWriter, type AuditEntry } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import type { WebhookEvent } from '@kubidu/core/contract/webhook-words';
import { createTestDatabase } from '../../../test-support/database.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';
import { waitFor } from '../../../test-support/wait.js';
import { createDeploymentStore } from '../../src/store/deployment-store.js';
import { startWebhookWorker, type WebhookWorker } from '../../src/notify/webhook-worker.js';
import { createWebhookStore } from '../../src/notify/webhook-store.js';
import { createHttpSender } from '../../src/notify/webhook-sender.js';
import type { WebhookDeliveryConfig } from '../../src/notify/config.js';
import { errorsOnlyLogger } from '../support/controller-env.js';
import { seedDeployment, seedService } from '../support/seed.js';

/** This machine's own name, when it resolves to a private address: the check a DNS name cannot slip past. */
const OWN_NAME = await lookup(hostname()).then((a) => (isPrivateAddress(a.address) ? hostname() : null), () => null);
const SECRET = 'receiver-shared-secret-' + randomBytes(4).toString('hex');
const box = new SecretBox(randomBytes(32));
let ds: DataSource;
let receiver: WebhookReceiver;
const workers: WebhookWorker[] = [];

const config = (over: Partial<WebhookDeliveryConfig> = {}): WebhookDeliveryConfig => ({
  allowPrivate: true, // the receiver is on loopback
  timeoutMs: 400,
  maxAttempts: 5,
  retryBaseMs: 50,
  pollMs: 25,
  retentionDays: 30,
  ...over,
});

function startWorker(over: Partial<WebhookDeliveryConfig> = {}, workerId = `w-${randomBytes(3).toString('hex')}`): WebhookWorker {
  const c = config(over);
  const w = startWebhookWorker({
    store: createWebhookStore(ds),
    send: createHttpSender({ timeoutMs: c.timeoutMs, allowPrivate: c.allowPrivate }),
    secretBox: box,
    config: c,
    workerId,
    logger: errorsOnlyLogger,
    leaseMs: 2000,
  });
  workers.push(w);
  return w;
}

async function stopAll(): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
}

/** A project with one service, one deployment and a hook on `url` subscribed to `events`. */
async function seedHook(url: string, events: WebhookEvent[] = ['deployment.marked_bad', 'deployment.succeeded', 'hold.set'], format = 'json') {
  const s = await seedService(ds);
  const deploymentId = await seedDeployment(ds, s.serviceId, { status: 'SUCCESS' });
  const sealed = box.seal(SECRET);
  const [{ id: hookId }] = await ds.query(
    `INSERT INTO webhooks (project_id, url, secret_encrypted, secret_iv, events, format) VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING id`,
    [s.projectId, url, sealed.valueEncrypted, sealed.valueIv, events, format],
  );
  return { ...s, deploymentId, hookId: hookId as string };
}

/** Appends a "marked bad" audit row through core's writer, as every door does. */
function markedBad(m: EntityManager, at: { projectId: string; serviceId: string; deploymentId: string }, reason = 'leaks memory'): Promise<void> {
  const e: AuditEntry = { actorId: null, actor: 'dev@example.com', action: AUDIT_ACTIONS.deploymentMarkedBad, ...at, data: { reason } };
  return auditWriter.append(m, e);
}

const attemptsOf = (hookId: string) =>
  ds.query(
    `SELECT attempt, outcome, status_code AS "statusCode", error, duration_ms AS "durationMs", next_retry_at AS "nextRetryAt"
     FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY seq`,
    [hookId],
  );
const outboxOf = (hookId: string) => ds.query(`SELECT id, status, attempts, event_type FROM webhook_outbox WHERE webhook_id = $1 ORDER BY seq`, [hookId]);

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  receiver = await startWebhookReceiver(SECRET);
});

afterEach(async () => {
  await stopAll();
  receiver.script([]);
  receiver.received.length = 0;
});

afterAll(async () => {
  await stopAll();
  await receiver?.close();
  await ds?.destroy();
});

describe('outgoing webhooks from the outbox', () => {
  it('enqueues in the transaction of its cause: a rolled-back change queues nothing, a committed one exactly one row per subscribed hook', async () => {
    const h = await seedHook(receiver.url);
    await expect(
      ds.transaction(async (m) => {
        await markedBad(m, h);
        throw new Error('the request failed after the audit row');
      }),
    ).rejects.toThrow('the request failed');
    expect(await outboxOf(h.hookId)).toEqual([]);
    // A hook that does not subscribe to the event, and a disabled one, get nothing.
    const sealed = box.seal(SECRET);
    await ds.query(`INSERT INTO webhooks (project_id, url, secret_encrypted, secret_iv, events, format) VALUES ($1, $2, $3, $4, '{hold.set}', 'json')`, [
      h.projectId, receiver.url, sealed.valueEncrypted, sealed.valueIv,
    ]);
    await ds.query(`INSERT INTO webhooks (project_id, url, secret_encrypted, secret_iv, events, format, enabled) VALUES ($1, $2, $3, $4, '{deployment.marked_bad}', 'json', false)`, [
      h.projectId, receiver.url, sealed.valueEncrypted, sealed.valueIv,
    ]);
    await ds.transaction((m) => markedBad(m, h));
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id WHERE w.project_id = $1`, [h.projectId]);
    expect(n).toBe(1);
    expect(await outboxOf(h.hookId)).toMatchObject([{ status: 'PENDING', attempts: 0, event_type: 'deployment.marked_bad' }]);
    await ds.query(`DELETE FROM webhooks WHERE project_id = $1`, [h.projectId]); // its queue goes with it: later tests start clean
  });

  it('fails with 500, then times out, then is delivered: signed, retried with backoff, every attempt logged', async () => {
    const h = await seedHook(receiver.url);
    await ds.transaction((m) => markedBad(m, h, 'the 2.0 image leaks memory'));
    receiver.script([500, 'hang', 200]);
    startWorker();
    await waitFor('the delivery to succeed', () => outboxOf(h.hookId), { until: (rows) => rows[0]?.status === 'DELIVERED', timeoutMs: 20_000 });
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 'hang', 200]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    // The same bytes and the same delivery id on every attempt; the attempt number counts up.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers['x-kubidu-delivery'])).size).toBe(1);
    expect(receiver.received.map((r) => r.headers['x-kubidu-attempt'])).toEqual(['1', '2', '3']);
    const [event] = receiver.accepted();
    expect(event.headers['x-kubidu-event']).toBe('deployment.marked_bad');
    expect(event.body).toMatchObject({
      type: 'deployment.marked_bad',
      actor: 'dev@example.com',
      project: { id: h.projectId, slug: h.projectSlug },
      service: { id: h.serviceId, name: h.serviceName },
      deployment: { id: h.deploymentId, source: 'API', imageUrl: 'ghcr.io/acme/web:1.0.0' },
      details: { reason: 'the 2.0 image leaks memory' },
    });
    const attempts = await attemptsOf(h.hookId);
    expect(attempts.map((a: { attempt: number; outcome: string; statusCode: number | null }) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'RETRY', 500],
      [2, 'RETRY', null],
      [3, 'DELIVERED', 200],
    ]);
    expect(attempts[0].error).toMatch(/answered 500/);
    expect(attempts[1].error).toMatch(/timed out after 400 ms/);
    // The timer ends it at 400 ms (it may fire a hair early as performance.now() counts).
    expect(attempts[1].durationMs).toBeGreaterThanOrEqual(395);
    expect(attempts[0].nextRetryAt).not.toBeNull();
    expect(attempts[2].nextRetryAt).toBeNull();
  });

  it('gives up after the last attempt: FAILED, each attempt logged, nothing more sent', async () => {
    const h = await seedHook(receiver.url);
    await ds.transaction((m) => markedBad(m, h));
    receiver.script([503, 503, 503, 503]);
    startWorker({ maxAttempts: 3 });
    await waitFor('the delivery to be given up', () => outboxOf(h.hookId), { until: (rows) => rows[0]?.status === 'FAILED', timeoutMs: 20_000 });
    expect((await attemptsOf(h.hookId)).map((a: { outcome: string }) => a.outcome)).toEqual(['RETRY', 'RETRY', 'FAILED']);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(3);
  });

  it('an event from the controller door (a deploy ending RUNNING) is delivered too, carrying the deployment source', async () => {
    const h = await seedHook(receiver.url, ['deployment.succeeded', 'rollback.succeeded']);
    const queued = await seedDeployment(ds, h.serviceId, { image: 'ghcr.io/acme/web:2.0.0' });
    const store = createDeploymentStore(ds);
    const claimed = await store.claim('ctl-1', 30_000, 5);
    expect(claimed.map((c) => c.id)).toContain(queued);
    await store.finish(queued, 'ctl-1', 'RUNNING', 'Synced and Healthy', {});
    startWorker();
    await waitFor('the succeeded event', async () => receiver.accepted(), { until: (a) => a.length === 1 });
    expect(receiver.accepted()[0].body).toMatchObject({
      type: 'deployment.succeeded',
      actor: 'kubidu-controller',
      deployment: { id: queued, status: 'RUNNING', source: 'API', rollbackOfId: null },
    });
  });

  it('a stopped worker loses nothing; a restarted one delivers each queued event once and never resends a delivered one', async () => {
    const h = await seedHook(receiver.url);
    // Delivered before the stop.
    const first = startWorker();
    await ds.transaction((m) => markedBad(m, h, 'before the stop'));
    await waitFor('the first delivery', async () => receiver.accepted().length, { until: (n) => n === 1 });
    await first.stop();
    // Queued while no worker runs.
    for (let i = 0; i < 5; i++) await ds.transaction((m) => markedBad(m, h, `queued ${i}`));
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(1);
    expect((await outboxOf(h.hookId)).filter((r: { status: string }) => r.status === 'PENDING')).toHaveLength(5);
    startWorker();
    await waitFor('all six delivered', () => outboxOf(h.hookId), { until: (rows) => rows.every((r: { status: string }) => r.status === 'DELIVERED') });
    await stopAll();
    startWorker(); // and once more: nothing left to send
    await new Promise((r) => setTimeout(r, 300));
    const reasons = receiver.accepted().map((a) => (a.body.details as { reason: string }).reason);
    expect(reasons.sort()).toEqual(['before the stop', 'queued 0', 'queued 1', 'queued 2', 'queued 3', 'queued 4']);
    expect(receiver.received).toHaveLength(6);
  });

  it('two workers on one database deliver each event exactly once', async () => {
    const h = await seedHook(receiver.url);
    for (let i = 0; i < 30; i++) await ds.transaction((m) => markedBad(m, h, `burst ${i}`));
    startWorker({}, 'replica-a');
    startWorker({}, 'replica-b');
    await waitFor('all thirty delivered', () => outboxOf(h.hookId), { until: (rows) => rows.length === 30 && rows.every((r: { status: string }) => r.status === 'DELIVERED') });
    const ids = receiver.received.map((r) => r.headers['x-kubidu-delivery']);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });

  it('refuses private addresses at connect time unless allowed (an SSRF guard), and logs why', async () => {
    const h = await seedHook(receiver.url.replace('127.0.0.1', 'localhost'));
    await ds.transaction((m) => markedBad(m, h));
    startWorker({ allowPrivate: false, maxAttempts: 1 });
    await waitFor('the refusal', () => attemptsOf(h.hookId), { until: (rows) => rows.length === 1 });
    const [a] = await attemptsOf(h.hookId);
    expect(a).toMatchObject({ outcome: 'FAILED', statusCode: null });
    expect(a.error).toMatch(/private address/);
    expect(receiver.received).toHaveLength(0);
  });

  it.skipIf(!OWN_NAME)('checks the address a name resolves to when connecting, not only the name', async () => {
    const h = await seedHook(receiver.url.replace('127.0.0.1', OWN_NAME!));
    await ds.transaction((m) => markedBad(m, h));
    startWorker({ allowPrivate: false, maxAttempts: 1 });
    await waitFor('the refusal', () => attemptsOf(h.hookId), { until: (rows) => rows.length === 1 });
    const [a] = await attemptsOf(h.hookId);
    expect(a).toMatchObject({ outcome: 'FAILED', statusCode: null });
    expect(a.error).toMatch(/resolves to a private address|resolves only to private addresses/);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('outbox retention', () => {
  it('deletes events delivered or given up past the retention, with their attempts; pending and recent ones stay', async () => {
    const { hookId } = await seedHook(`${receiver.url}/retention`);
    const insert = async (status: string, daysAgo: number) => {
      const [{ id }] = await ds.query(
        `INSERT INTO webhook_outbox (webhook_id, event_id, event_type, body, status, attempts, next_attempt_at, delivered_at, created_at)
         VALUES ($1, gen_random_uuid(), 'deployment.succeeded', '{}', $2, 1, now() - $3::int * interval '1 day',
                 CASE WHEN $2 = 'DELIVERED' THEN now() - $3::int * interval '1 day' END, now() - $3::int * interval '1 day')
         RETURNING id`,
        [hookId, status, daysAgo],
      );
      await ds.query(
        `INSERT INTO webhook_deliveries (outbox_id, webhook_id, event_id, event_type, attempt, outcome, duration_ms)
         SELECT id, webhook_id, event_id, event_type, 1, CASE WHEN status = 'PENDING' THEN 'RETRY' ELSE status END, 5 FROM webhook_outbox WHERE id = $1`,
        [id],
      );
      return id as string;
    };
    const oldDelivered = await insert('DELIVERED', 40);
    const oldFailed = await insert('FAILED', 31);
    const oldPending = await insert('PENDING', 40);
    const recent = await insert('DELIVERED', 2);
    const store = createWebhookStore(ds);
    expect(await store.prune(30)).toBe(2);
    const left = (await ds.query(`SELECT id FROM webhook_outbox WHERE webhook_id = $1`, [hookId])).map((r: { id: string }) => r.id).sort();
    expect(left).toEqual([oldPending, recent].sort());
    const attempts = await ds.query(`SELECT outbox_id FROM webhook_deliveries WHERE outbox_id = ANY($1::uuid[])`, [[oldDelivered, oldFailed]]);
    expect(attempts).toEqual([]);
    expect(await store.prune(30)).toBe(0);
  });
});
