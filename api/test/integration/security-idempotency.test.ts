/**
 * Issue 16, item 4 through the real API: an Idempotency-Key replays only the
 * request it was first used for. The same key with another body is a 409 CONFLICT
 * and writes nothing, so a caller never believes nginx:2 shipped when nginx:1 did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let alice: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
});
afterAll(async () => t?.close());

const rows = async (serviceId: string) => (await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]))[0].n;

describe('Idempotency-Key on deploys', () => {
  it('the same key with another image is a 409 CONFLICT and writes nothing; the same body still replays', async () => {
    const { serviceId } = await createService(t.app, alice);
    const key = randomUUID();
    const first = await deploy(t.app, alice, serviceId, { image: 'nginx:1' }, { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const other = await deploy(t.app, alice, serviceId, { image: 'nginx:2' }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'CONFLICT', data: { header: 'idempotency-key' } });
    expect(await rows(serviceId)).toBe(1);
    const again = await deploy(t.app, alice, serviceId, { image: 'nginx:1' }, { 'idempotency-key': key });
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
  });

  it('env, secrets and settings count; key order does not', async () => {
    const { serviceId } = await createService(t.app, alice);
    const key = randomUUID();
    const body = { image: 'nginx:1', env: { A: '1', B: '2' }, secrets: { S: 'x' }, replicas: 2 };
    expect((await deploy(t.app, alice, serviceId, body, { 'idempotency-key': key })).statusCode).toBe(202);
    for (const changed of [
      { ...body, env: { A: '1', B: '3' } },
      { ...body, secrets: { S: 'y' } },
      { ...body, replicas: 3 },
      { ...body, reason: 'another' },
    ]) {
      expect((await deploy(t.app, alice, serviceId, changed, { 'idempotency-key': key })).statusCode, JSON.stringify(changed)).toBe(409);
    }
    const reordered = { replicas: 2, secrets: { S: 'x' }, env: { B: '2', A: '1' }, image: 'nginx:1' };
    expect((await deploy(t.app, alice, serviceId, reordered, { 'idempotency-key': key })).statusCode).toBe(202);
    expect(await rows(serviceId)).toBe(1);
  });
});

describe('Idempotency-Key on rollbacks', () => {
  it('the same key with another reason is a 409; the same request replays', async () => {
    const { serviceId } = await createService(t.app, alice);
    const a = await deploy(t.app, alice, serviceId, { image: 'nginx:1' });
    await setStatus(t.ds, a.json().id, 'SUCCESS');
    const b = await deploy(t.app, alice, serviceId, { image: 'nginx:2' });
    await setStatus(t.ds, b.json().id, 'RUNNING');
    const key = randomUUID();
    const rollback = (reason: string) =>
      t.app.inject({ method: 'POST', url: `/api/deployments/${a.json().id}/rollback`, headers: { ...alice.auth, 'idempotency-key': key }, payload: { reason } });
    const first = await rollback('v2 broke checkout');
    expect(first.statusCode).toBe(202);
    const other = await rollback('something else');
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('CONFLICT');
    const again = await rollback('v2 broke checkout');
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    expect(await rows(serviceId)).toBe(3);
  });
});
