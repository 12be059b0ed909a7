/**
 * Outgoing webhooks survive a crash (issue 20, item 3): the real `npm run controller`
 * process, SIGKILLed, against a real Postgres and a real receiver. An event queued
 * while no controller runs is sent when one starts; a controller killed in the middle
 * of a POST leaves the row under a lease, and the next controller sends it again once
 * the lease runs out (at least once, the same X-Kubidu-Delivery id, the next attempt
 * number); an event already delivered is never sent again by a restarted controller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { auditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import { createTestDatabase } from '../../../test-support/database.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';
import { waitFor } from '../../../test-support/wait.js';
import { killAllControllerProcesses, startControllerProcess } from '../support/controller-process.js';
import { seedDeployment, seedService } from '../support/seed.js';

const SECRET = 'crash-test-receiver-secret';
const key = randomBytes(32);
let ds: DataSource;
let url: string;
let dataDir: string;
let receiver: WebhookReceiver;
let at: { projectId: string; serviceId: string; deploymentId: string };
let hookId: string;

const env = (): Record<string, string> => ({
  DATABASE_URL: url,
  KUBIDU_DATA_DIR: dataDir,
  KUBIDU_ENCRYPTION_KEY: key.toString('base64'),
  KUBIDU_KUBERNETES: 'off',
  KUBIDU_GIT_POLL_SECONDS: '3600',
  KUBIDU_DB_POOL: '3',
  KUBIDU_WEBHOOK_ALLOW_PRIVATE: 'true',
  KUBIDU_WEBHOOK_POLL_MS: '50',
  KUBIDU_WEBHOOK_RETRY_BASE_MS: '100',
  // The lease is the timeout + 15 s: a killed controller's row comes back that long after its claim.
  KUBIDU_WEBHOOK_TIMEOUT_MS: '2000',
});

const markBad = (reason: string) =>
  ds.transaction((m) => auditWriter.append(m, { actorId: null, actor: 'dev@example.com', action: AUDIT_ACTIONS.deploymentMarkedBad, ...at, data: { reason } }));
const outbox = () => ds.query(`SELECT id, status, attempts, body FROM webhook_outbox WHERE webhook_id = $1 ORDER BY seq`, [hookId]);
const reasonOf = (body: string) => (JSON.parse(body).details as { reason: string }).reason;

beforeAll(async () => {
  ({ ds, url } = await createTestDatabase());
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-webhook-crash-'));
  receiver = await startWebhookReceiver(SECRET);
  const s = await seedService(ds);
  at = { projectId: s.projectId, serviceId: s.serviceId, deploymentId: await seedDeployment(ds, s.serviceId, { status: 'SUCCESS' }) };
  const sealed = new SecretBox(key).seal(SECRET);
  [{ id: hookId }] = await ds.query(
    `INSERT INTO webhooks (project_id, url, secret_encrypted, secret_iv, events, format) VALUES ($1, $2, $3, $4, '{deployment.marked_bad}', 'json') RETURNING id`,
    [s.projectId, receiver.url, sealed.valueEncrypted, sealed.valueIv],
  );
});

afterAll(async () => {
  await killAllControllerProcesses();
  await receiver?.close();
  await ds?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('webhook deliveries across a SIGKILL', () => {
  it('queued with no controller, killed mid-POST, restarted: every event delivered, a delivered one never resent', async () => {
    // 1. Queued while no controller runs: nothing is lost by there being none.
    await markBad('queued before any controller');
    receiver.script(['hang']); // the first POST never gets an answer
    const a = startControllerProcess(env());
    await waitFor('the first POST', async () => receiver.received.length, { until: (n) => n === 1, timeoutMs: 60_000 });
    // 2. Killed in the middle of that POST: the row stays PENDING under A's lease, attempt 1 never recorded.
    await a.kill();
    const [mid] = await outbox();
    expect(mid).toMatchObject({ status: 'PENDING', attempts: 1 });
    // 3. Queued while the controller is dead.
    await markBad('queued while dead');
    // 4. A new controller: the dead one's row comes back after its lease and is sent again, the new one too.
    const b = startControllerProcess(env());
    await waitFor('both delivered', outbox, { until: (rows) => rows.length === 2 && rows.every((r: { status: string }) => r.status === 'DELIVERED'), timeoutMs: 60_000 });
    const rows = await outbox();
    const first = receiver.received.filter((r) => r.headers['x-kubidu-delivery'] === rows[0].id);
    expect(first.map((r) => [r.headers['x-kubidu-attempt'], r.answered])).toEqual([
      ['1', 'hang'],
      ['2', 200],
    ]);
    expect(first.every((r) => r.verified)).toBe(true);
    expect(receiver.received.filter((r) => r.headers['x-kubidu-delivery'] === rows[1].id)).toHaveLength(1);
    expect(rows.map((r: { body: string }) => reasonOf(r.body))).toEqual(['queued before any controller', 'queued while dead']);
    // The log shows the attempt that landed; the one cut off by the kill left only its attempt number behind.
    const log = await ds.query(`SELECT outbox_id, attempt, outcome FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY seq`, [hookId]);
    expect(log.map((l: { attempt: number; outcome: string }) => [l.attempt, l.outcome]).sort()).toEqual([
      [1, 'DELIVERED'],
      [2, 'DELIVERED'],
    ]);
    // 5. Killed after delivering, restarted: nothing delivered is sent again.
    await b.kill();
    const before = receiver.received.length;
    const c = startControllerProcess(env());
    await c.waitForLine(/controller started/);
    await markBad('after the restart');
    await waitFor('the new event delivered', outbox, { until: (r) => r.length === 3 && r[2].status === 'DELIVERED', timeoutMs: 60_000 });
    expect(receiver.received.length).toBe(before + 1);
    await c.stop();
  });
});
