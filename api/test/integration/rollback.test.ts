import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let wakes = 0;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp({ wakeController: () => void wakes++ });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

/** A service with deployment A (SUCCESS, env + secret) and B (RUNNING, the current one). */
async function serviceWithHistory(owner = alice) {
  const { serviceId, projectId } = await createService(t.app, owner);
  const a = await deploy(t.app, owner, serviceId, {
    image: 'ghcr.io/acme/web:1.0.0',
    env: { GREETING: 'hello', MULTI: 'line1\nline2: {yaml}' },
    secrets: { DB_PASSWORD: 's3cret-a' },
    port: 3000,
    replicas: 2,
    cpuLimit: '500m',
    memoryLimit: '256Mi',
    commitSha: 'abc1234',
    commitMessage: 'feat: first',
  });
  expect(a.statusCode).toBe(202);
  const b = await deploy(t.app, owner, serviceId, { image: 'ghcr.io/acme/web:2.0.0', env: { GREETING: 'hi' }, secrets: { DB_PASSWORD: 's3cret-b' } });
  expect(b.statusCode).toBe(202);
  await setStatus(t.ds, a.json().id, 'SUCCESS');
  await setStatus(t.ds, b.json().id, 'RUNNING');
  return { serviceId, projectId, a: a.json().id as string, b: b.json().id as string };
}

const rollback = (id: string, user: TestUser, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/deployments/${id}/rollback`, headers: { ...user.auth, ...headers }, payload: payload as never });

const count = async (sql: string, params: unknown[] = []) => (await t.ds.query(sql, params))[0].n as number;

describe('POST /api/deployments/:id/rollback', () => {
  it('rollback to a successful deployment creates a new QUEUED row with the old image, settings and env (as stored)', async () => {
    const { a, serviceId } = await serviceWithHistory();
    const before = wakes;
    const res = await rollback(a, alice, { reason: 'v2 broke checkout' });
    expect(res.statusCode).toBe(202);
    const row = res.json();
    expect(row).toMatchObject({
      status: 'QUEUED',
      source: 'ROLLBACK',
      serviceId,
      imageUrl: 'ghcr.io/acme/web:1.0.0',
      port: 3000,
      replicas: 2,
      cpuLimit: '500m',
      memoryLimit: '256Mi',
      commitSha: 'abc1234',
      commitMessage: `Rollback to ${a.slice(0, 8)}`,
      rollbackFromId: a,
      reason: 'v2 broke checkout',
      actor: alice.email,
      createdById: alice.id,
      isCurrent: false,
      canRollback: false,
    });
    expect(row.id).not.toBe(a);
    expect(wakes).toBe(before + 1);

    const detail = await t.app.inject({ method: 'GET', url: `/api/deployments/${row.id}`, headers: alice.auth });
    expect(detail.json().env).toEqual([
      { key: 'DB_PASSWORD', value: null, isSecret: true },
      { key: 'GREETING', value: 'hello', isSecret: false },
      { key: 'MULTI', value: 'line1\nline2: {yaml}', isSecret: false },
    ]);
    // Copied as stored: identical ciphertexts and IVs, no re-encryption.
    const envOf = (id: string) =>
      t.ds.query(`SELECT key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $1 ORDER BY key`, [id]);
    expect(await envOf(row.id)).toEqual(await envOf(a));
    // The secret really is the target's secret.
    const [sec] = await t.ds.query(`SELECT value_encrypted, value_iv FROM environment_variables WHERE deployment_id = $1 AND key = 'DB_PASSWORD'`, [row.id]);
    expect(t.secretBox.open({ valueEncrypted: sec.value_encrypted, valueIv: sec.value_iv })).toBe('s3cret-a');
  });

  it('writes a DEPLOYMENT_ROLLBACK audit row with target, service and reason', async () => {
    const { a, serviceId, projectId } = await serviceWithHistory();
    const res = await rollback(a, alice, { reason: 'because' });
    const rows = await t.ds.query(`SELECT * FROM audit_logs WHERE action = 'DEPLOYMENT_ROLLBACK' AND deployment_id = $1`, [res.json().id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: alice.email, actor_id: alice.id, service_id: serviceId, project_id: projectId });
    expect(rows[0].data).toEqual({ targetId: a, serviceId, reason: 'because' });
    const listed = await t.app.inject({ method: 'GET', url: `/api/audit?serviceId=${serviceId}`, headers: alice.auth });
    expect(listed.json().items[0]).toMatchObject({ action: 'DEPLOYMENT_ROLLBACK', deploymentId: res.json().id, data: { targetId: a } });
  });

  it('refuses a failed target with 400 ROLLBACK_TARGET_INVALID and writes nothing', async () => {
    const { serviceId } = await serviceWithHistory();
    const f = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:3.0.0' });
    await setStatus(t.ds, f.json().id, 'FAILED');
    const n = await count(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]);
    const res = await rollback(f.json().id, alice);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('ROLLBACK_TARGET_INVALID');
    expect(res.json().message).toBe('Cannot rollback to a failed deployment');
    expect(await count(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId])).toBe(n);
  });

  it.each(['QUEUED', 'DEPLOYING', 'CANCELLED'])('refuses a %s target with 400 naming its state', async (status) => {
    const { serviceId } = await serviceWithHistory();
    const d = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:4.0.0' });
    await setStatus(t.ds, d.json().id, status);
    const res = await rollback(d.json().id, alice);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ROLLBACK_TARGET_INVALID', data: { status } });
    expect(res.json().message).toContain(status.toLowerCase());
  });

  it("refuses someone else's deployment with 403 FORBIDDEN, leaking nothing", async () => {
    const { a, serviceId } = await serviceWithHistory(alice);
    const res = await rollback(a, bob);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('FORBIDDEN');
    expect(res.body).not.toContain(a);
    expect(res.body).not.toContain(alice.id);
    expect(res.body).not.toContain(alice.email);
    expect(res.body).not.toContain(serviceId);
    expect(await count(`SELECT count(*)::int AS n FROM deployments WHERE source = 'ROLLBACK' AND rollback_from_id = $1`, [a])).toBe(0);
  });

  it('answers 404 DEPLOYMENT_NOT_FOUND for an unknown id and 400 naming the parameter for a malformed one', async () => {
    const res = await rollback(randomUUID(), alice);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('DEPLOYMENT_NOT_FOUND');
    const bad = await rollback('not-a-uuid', alice);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_ERROR');
    expect(bad.json().message).toMatch(/^params\/id /);
  });

  it('answers 409 ROLLBACK_TARGET_CURRENT for the current deployment', async () => {
    const { b } = await serviceWithHistory();
    const res = await rollback(b, alice);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('ROLLBACK_TARGET_CURRENT');
  });

  it('answers 401 without credentials', async () => {
    const { a } = await serviceWithHistory();
    const res = await t.app.inject({ method: 'POST', url: `/api/deployments/${a}/rollback` });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
  });

  it('validates the reason field', async () => {
    const { a } = await serviceWithHistory();
    const res = await rollback(a, alice, { reason: 'x'.repeat(1001) });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^body\/reason /);
    const extra = await rollback(a, alice, { reason: 'ok', force: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toBe('body/force is not allowed');
  });

  describe('double click', () => {
    it('the same Idempotency-Key returns the same row (202), not two', async () => {
      const { a, serviceId } = await serviceWithHistory();
      const key = `click-${randomUUID()}`;
      const first = await rollback(a, alice, {}, { 'idempotency-key': key });
      const second = await rollback(a, alice, {}, { 'idempotency-key': key });
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(202);
      expect(second.json().id).toBe(first.json().id);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(await count(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1 AND source = 'ROLLBACK'`, [serviceId])).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'DEPLOYMENT_ROLLBACK' AND service_id = $1`, [serviceId])).toBe(1);
      // Still the same row after the controller has moved it on.
      await setStatus(t.ds, first.json().id, 'RUNNING');
      const third = await rollback(a, alice, {}, { 'idempotency-key': key });
      expect(third.statusCode).toBe(202);
      expect(third.json()).toMatchObject({ id: first.json().id, status: 'RUNNING', isCurrent: true });
    });

    it('a second rollback to the same target while the first is QUEUED returns the first', async () => {
      const { a, serviceId } = await serviceWithHistory();
      const before = wakes;
      const first = await rollback(a, alice);
      const second = await rollback(a, alice, { reason: 'clicked again' });
      expect(second.statusCode).toBe(202);
      expect(second.json().id).toBe(first.json().id);
      expect(wakes).toBe(before + 1);
      expect(await count(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1 AND source = 'ROLLBACK'`, [serviceId])).toBe(1);
      // Once the first has started, another rollback is a new request.
      await setStatus(t.ds, first.json().id, 'DEPLOYING');
      const third = await rollback(a, alice);
      expect(third.statusCode).toBe(202);
      expect(third.json().id).not.toBe(first.json().id);
    });

    it('concurrent clicks serialize on the service row and produce one row', async () => {
      const { a, serviceId } = await serviceWithHistory();
      const results = await Promise.all([rollback(a, alice), rollback(a, alice), rollback(a, alice)]);
      expect(results.map((r) => r.statusCode)).toEqual([202, 202, 202]);
      expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1 AND source = 'ROLLBACK'`, [serviceId])).toBe(1);
    });

    it('concurrent clicks with one Idempotency-Key produce one row', async () => {
      const { a, serviceId } = await serviceWithHistory();
      const key = randomUUID();
      const results = await Promise.all([1, 2, 3].map(() => rollback(a, alice, {}, { 'idempotency-key': key })));
      expect(results.map((r) => r.statusCode)).toEqual([202, 202, 202]);
      expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1 AND source = 'ROLLBACK'`, [serviceId])).toBe(1);
    });

    it('reusing an Idempotency-Key for a different target is 409 CONFLICT', async () => {
      const h1 = await serviceWithHistory();
      const key = randomUUID();
      expect((await rollback(h1.a, alice, {}, { 'idempotency-key': key })).statusCode).toBe(202);
      const h2 = await serviceWithHistory();
      const res = await rollback(h2.a, alice, {}, { 'idempotency-key': key });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('CONFLICT');
    });

    it('refuses a malformed Idempotency-Key with 400 naming the header', async () => {
      const { a } = await serviceWithHistory();
      const res = await rollback(a, alice, {}, { 'idempotency-key': 'x'.repeat(201) });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/^headers\/idempotency-key /);
    });
  });
});

describe('one transaction: a failing audit insert leaves nothing behind', () => {
  const failing: AuditWriter = {
    async append(em, entry) {
      if (entry.action === 'DEPLOYMENT_ROLLBACK' || entry.action === 'DEPLOYMENT_CREATED') {
        // A real statement that fails inside the transaction, like a broken insert would.
        await em.query(`INSERT INTO audit_logs (actor, action, data) VALUES (NULL, $1, '{}')`, [entry.action]);
      }
      return (await import('@kubidu/core/domain/audit')).auditWriter.append(em, entry);
    },
  };
  let f: TestApp;
  let wakesHere = 0;
  beforeAll(async () => {
    f = await createTestApp({ auditWriter: failing, wakeController: () => void wakesHere++ });
  });
  afterAll(async () => f?.close());

  it('rollback: 500 INTERNAL without internals, no deployment row, no env rows, no wake', async () => {
    const user = await registerUser(f.app);
    const { serviceId } = await createService(f.app, user);
    // Seed a successful + running history directly (deploys would fail the same way).
    const [{ id: a }] = await f.ds.query(
      `INSERT INTO deployments (service_id, status, source, image_url, port, replicas, created_by_id, actor)
       VALUES ($1, 'SUCCESS', 'API', 'ghcr.io/acme/web:1', 8080, 1, $2, $3) RETURNING id`,
      [serviceId, user.id, user.email],
    );
    const sealed = f.secretBox.seal('v');
    await f.ds.query(`INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret) VALUES ($1, 'K', $2, $3, false)`, [
      a, sealed.valueEncrypted, sealed.valueIv,
    ]);
    await f.ds.query(
      `INSERT INTO deployments (service_id, status, source, image_url, port, replicas, created_by_id, actor)
       VALUES ($1, 'RUNNING', 'API', 'ghcr.io/acme/web:2', 8080, 1, $2, $3)`,
      [serviceId, user.id, user.email],
    );
    const res = await f.app.inject({ method: 'POST', url: `/api/deployments/${a}/rollback`, headers: user.auth });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'Internal server error' });
    expect(res.body).not.toMatch(/audit_logs|null value|violates/i);
    const rows = await f.ds.query(`SELECT id FROM deployments WHERE service_id = $1 AND source = 'ROLLBACK'`, [serviceId]);
    expect(rows).toEqual([]);
    expect((await f.ds.query(`SELECT count(*)::int AS n FROM environment_variables`))[0].n).toBe(1);
    expect(wakesHere).toBe(0);
  });

  it('deploy: no deployment row and no env rows remain', async () => {
    const user = await registerUser(f.app);
    const { serviceId } = await createService(f.app, user);
    const res = await deploy(f.app, user, serviceId, { image: 'nginx:1', env: { A: '1' }, secrets: { B: '2' } });
    expect(res.statusCode).toBe(500);
    expect((await f.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]))[0].n).toBe(0);
    expect((await f.ds.query(`SELECT count(*)::int AS n FROM environment_variables`))[0].n).toBe(1);
  });
});
