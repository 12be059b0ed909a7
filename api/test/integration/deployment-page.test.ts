/**
 * What the web's deployment page reads, through the HTTP API on a real Postgres:
 * `GET /api/deployments/:id/relations` (the row before and what changed since —
 * secret values never shown —, the rollbacks to it, the rollback away from it) and
 * `GET /api/audit` filtered by deployment and by action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';
import { rolledBackBy } from '../../src/modules/deployments/deployment-relations.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

const get = (url: string, user = alice) => t.app.inject({ method: 'GET', url, headers: user.auth });

describe('GET /api/deployments/:id/relations', () => {
  it('names the previous row, what changed since (plain keys, secret only as changed), the rollback to it and the rollback away from it', async () => {
    const { serviceId } = await createService(t.app, alice);
    const a = (await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1.0.0', env: { GREETING: 'hello v1' }, secrets: { TOKEN: 's-one' } })).json().id;
    await setStatus(t.ds, a, 'SUCCESS');
    const b = (await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:2.0.0', env: { GREETING: 'hello v2', EXTRA: '1' }, secrets: { TOKEN: 's-two' }, replicas: 3 })).json().id;
    await setStatus(t.ds, b, 'RUNNING');
    const rb = await t.app.inject({ method: 'POST', url: `/api/deployments/${a}/rollback`, headers: alice.auth, payload: { reason: 'v2 broke' } });
    expect(rb.statusCode, rb.body).toBe(202);
    const rbId = rb.json().id;

    const first = await get(`/api/deployments/${a}/relations`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ previous: null, changes: null, rolledBackBy: null });
    expect(first.json().rollbacksTo.map((d: { id: string }) => d.id)).toEqual([rbId]);

    const second = (await get(`/api/deployments/${b}/relations`)).json();
    expect(second.previous.id).toBe(a);
    expect(second.changes.fields).toEqual([
      { field: 'image', from: 'ghcr.io/acme/web:1.0.0', to: 'ghcr.io/acme/web:2.0.0' },
      { field: 'replicas', from: 1, to: 3 },
    ]);
    expect(second.changes.env).toEqual({ added: [{ key: 'EXTRA', isSecret: false }], removed: [], changed: [{ key: 'GREETING', isSecret: false }, { key: 'TOKEN', isSecret: true }] });
    expect(JSON.stringify(second)).not.toContain('s-one');
    expect(JSON.stringify(second)).not.toContain('s-two');
    expect(second.rollbacksTo).toEqual([]);
    expect(second.rolledBackBy.id).toBe(rbId);

    const ofRollback = (await get(`/api/deployments/${rbId}/relations`)).json();
    expect(ofRollback.previous.id).toBe(b);
    expect(ofRollback.rolledBackBy).toBeNull();
  });

  it('is 404 for an unknown deployment and 403 for another user\'s', async () => {
    const { serviceId } = await createService(t.app, alice);
    const a = (await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1.0.0' })).json().id;
    expect((await get(`/api/deployments/${randomUUID()}/relations`)).json().code).toBe('DEPLOYMENT_NOT_FOUND');
    const other = await get(`/api/deployments/${a}/relations`, bob);
    expect(other.statusCode).toBe(403);
  });
});

describe('rolledBackBy', () => {
  const row = { id: 'x' };
  it('is the first later rollback to another deployment, unless a deploy went live first or a rollback restored it', () => {
    expect(rolledBackBy(row, [{ source: 'API', status: 'FAILED', rollbackFromId: null }, { source: 'ROLLBACK', status: 'RUNNING', rollbackFromId: 'y' }])).toBe(1);
    expect(rolledBackBy(row, [{ source: 'API', status: 'SUCCESS', rollbackFromId: null }, { source: 'ROLLBACK', status: 'RUNNING', rollbackFromId: 'y' }])).toBeNull();
    expect(rolledBackBy(row, [{ source: 'ROLLBACK', status: 'RUNNING', rollbackFromId: 'x' }])).toBeNull();
    expect(rolledBackBy(row, [])).toBeNull();
  });
});

describe('GET /api/audit filters', () => {
  it('filters by deployment and by action, and refuses another user\'s deployment', async () => {
    const { serviceId, projectId } = await createService(t.app, alice);
    const a = (await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1.0.0' })).json().id;
    await setStatus(t.ds, a, 'SUCCESS');
    const b = (await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:2.0.0' })).json().id;
    await setStatus(t.ds, b, 'RUNNING');
    expect((await t.app.inject({ method: 'POST', url: `/api/deployments/${a}/rollback`, headers: alice.auth })).statusCode).toBe(202);

    const ofA = (await get(`/api/audit?serviceId=${serviceId}&deploymentId=${a}`)).json();
    expect(ofA.items.length).toBeGreaterThan(0);
    expect(ofA.items.every((r: { deploymentId: string }) => r.deploymentId === a)).toBe(true);

    const rollbacks = (await get(`/api/audit?projectId=${projectId}&action=DEPLOYMENT_ROLLBACK`)).json();
    expect(rollbacks.items.map((r: { action: string; data: { targetId: string } }) => [r.action, r.data.targetId])).toEqual([['DEPLOYMENT_ROLLBACK', a]]);

    expect((await get(`/api/audit?deploymentId=${a}`, bob)).statusCode).toBe(403);
    const bad = await get(`/api/audit?projectId=${projectId}&action=drop table`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_ERROR');
  });
});
