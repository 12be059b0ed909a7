import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

const get = (url: string, u: TestUser) => t.app.inject({ method: 'GET', url, headers: u.auth });

describe('POST /api/services/:id/deployments', () => {
  it('queues a deploy (202) with defaults from the service, env encrypted at rest, audit DEPLOYMENT_CREATED', async () => {
    const { serviceId, projectId } = await createService(t.app, alice);
    const res = await deploy(t.app, alice, serviceId, {
      image: 'registry.example.com:5000/team/app@sha256:' + 'a'.repeat(64),
      env: { PLAIN: 'visible-value' },
      secrets: { TOKEN: 'hidden-value' },
      commitSha: 'deadbeef',
      commitMessage: 'fix: things',
    });
    expect(res.statusCode).toBe(202);
    const row = res.json();
    expect(row).toMatchObject({ status: 'QUEUED', source: 'API', port: 8080, replicas: 1, cpuLimit: null, actor: alice.email, isCurrent: false, canRollback: false });
    const stored = await t.ds.query(`SELECT key, value_encrypted, is_secret FROM environment_variables WHERE deployment_id = $1 ORDER BY key`, [row.id]);
    expect(stored.map((e: { key: string; is_secret: boolean }) => [e.key, e.is_secret])).toEqual([['PLAIN', false], ['TOKEN', true]]);
    const dump = JSON.stringify(stored);
    expect(dump).not.toContain('visible-value');
    expect(dump).not.toContain('hidden-value');
    const [audit] = await t.ds.query(`SELECT * FROM audit_logs WHERE action = 'DEPLOYMENT_CREATED' AND deployment_id = $1`, [row.id]);
    expect(audit).toMatchObject({ service_id: serviceId, project_id: projectId, actor_id: alice.id });
    expect(audit.data).toMatchObject({ envKeys: ['PLAIN'], secretKeys: ['TOKEN'] });
    expect(JSON.stringify(audit)).not.toContain('hidden-value');
  });

  it('403 on someone else\'s service, 404 on an unknown one, 401 anonymous', async () => {
    const { serviceId } = await createService(t.app, alice);
    const forbidden = await deploy(t.app, bob, serviceId, { image: 'nginx:1' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('FORBIDDEN');
    const missing = await deploy(t.app, alice, randomUUID(), { image: 'nginx:1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('SERVICE_NOT_FOUND');
    const anon = await t.app.inject({ method: 'POST', url: `/api/services/${serviceId}/deployments`, payload: { image: 'nginx:1' } });
    expect(anon.statusCode).toBe(401);
  });

  it.each([
    [{}, /^body\/image is required$/],
    [{ image: 'nginx' }, /^body\/image must be an OCI image reference/],
    [{ image: 'Not Valid:1' }, /^body\/image must be an OCI image reference/],
    [{ image: 'nginx:1', replicas: 101 }, /^body\/replicas /],
    [{ image: 'nginx:1', replicas: -1 }, /^body\/replicas /],
    [{ image: 'nginx:1', replicas: '3' }, /^body\/replicas must be an integer$/],
    [{ image: 'nginx:1', port: 0 }, /^body\/port /],
    [{ image: 'nginx:1', cpuLimit: '1 core' }, /^body\/cpuLimit must be a CPU quantity/],
    [{ image: 'nginx:1', memoryLimit: '1GB' }, /^body\/memoryLimit must be a memory quantity/],
    [{ image: 'nginx:1', env: { '1BAD': 'x' } }, /^body\/env has a key "1BAD"/],
    [{ image: 'nginx:1', env: { 'A-B': 'x' } }, /^body\/env has a key "A-B"/],
    [{ image: 'nginx:1', env: { A: 1 } }, /^body\/env\/A must be of type string$/],
    [{ image: 'nginx:1', env: { A: null } }, /^body\/env\/A must be of type string$/],
    [{ image: 'nginx:1', env: { A: 'nul\u0000byte' } }, /^body\/env\/A must be text without NUL/],
    [{ image: 'nginx:1', env: { A: '\tindented\nsecond line' } }, /^body\/env\/A .*must not start with a tab when it spans several lines/],
    [{ image: 'nginx:1', env: { A: 'x'.repeat(32 * 1024 + 1) } }, /^body\/env\/A /],
    [{ image: 'nginx:1', env: { A: 'x' }, secrets: { A: 'y' } }, /^body\/secrets\/A is also given in body\/env/],
    [{ image: 'nginx:1', env: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`K${i}`, 'v'])) }, /^body\/env /],
    [{ image: 'nginx:1', commitSha: 'xyz' }, /^body\/commitSha /],
    [{ image: 'nginx:1', imageUrl: 'nginx:1' }, /^body\/imageUrl is not allowed$/],
  ])('400 VALIDATION_ERROR naming the field for %j', async (body, message) => {
    const { serviceId } = await createService(t.app, alice);
    const res = await deploy(t.app, alice, serviceId, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
    expect(res.json().message).toMatch(message);
    expect((await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]))[0].n).toBe(0);
  });

  it('an Idempotency-Key makes a CI retry return the same row', async () => {
    const { serviceId } = await createService(t.app, alice);
    const key = randomUUID();
    const a = await deploy(t.app, alice, serviceId, { image: 'nginx:1' }, { 'idempotency-key': key });
    const b = await deploy(t.app, alice, serviceId, { image: 'nginx:1' }, { 'idempotency-key': key });
    expect(b.statusCode).toBe(202);
    expect(b.json().id).toBe(a.json().id);
    expect((await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]))[0].n).toBe(1);
  });
});

describe('secret masking', () => {
  it('a secret value never appears in any response body', async () => {
    const SECRET = `sup3r-s3cret-${randomUUID()}`;
    const { serviceId, projectId } = await createService(t.app, alice);
    const bodies: string[] = [];
    const a = await deploy(t.app, alice, serviceId, { image: 'nginx:1', env: { PLAIN: 'p' }, secrets: { API_KEY: SECRET } });
    bodies.push(a.body);
    await setStatus(t.ds, a.json().id, 'SUCCESS');
    const b = await deploy(t.app, alice, serviceId, { image: 'nginx:2', secrets: { API_KEY: 'other' } });
    bodies.push(b.body);
    await setStatus(t.ds, b.json().id, 'RUNNING');
    const rb = await t.app.inject({ method: 'POST', url: `/api/deployments/${a.json().id}/rollback`, headers: alice.auth });
    bodies.push(rb.body);
    for (const url of [
      `/api/deployments/${a.json().id}`,
      `/api/deployments/${rb.json().id}`,
      `/api/deployments/${a.json().id}/diff`,
      `/api/services/${serviceId}/deployments`,
      `/api/audit?projectId=${projectId}`,
      `/api/audit`,
    ]) {
      const res = await get(url, alice);
      expect(res.statusCode, url).toBe(200);
      bodies.push(res.body);
    }
    const detail = JSON.parse(bodies[3]);
    expect(detail.env).toContainEqual({ key: 'API_KEY', value: null, isSecret: true });
    expect(detail.env).toContainEqual({ key: 'PLAIN', value: 'p', isSecret: false });
    for (const body of bodies) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
  });
});

describe('GET /api/services/:id/deployments (history)', () => {
  it('newest first, keyset cursor pages, isCurrent/canRollback, idPrefix', async () => {
    const { serviceId } = await createService(t.app, alice);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await deploy(t.app, alice, serviceId, { image: `nginx:${i}` })).json().id);
    await setStatus(t.ds, ids[0], 'SUCCESS');
    await setStatus(t.ds, ids[1], 'FAILED');
    await setStatus(t.ds, ids[2], 'SUCCESS');
    await setStatus(t.ds, ids[3], 'RUNNING');
    const url = `/api/services/${serviceId}/deployments`;
    const p1 = await get(`${url}?limit=2`, alice);
    expect(p1.statusCode).toBe(200);
    expect(p1.json().items.map((d: { id: string }) => d.id)).toEqual([ids[4], ids[3]]);
    expect(p1.json().items.map((d: { isCurrent: boolean; canRollback: boolean }) => [d.isCurrent, d.canRollback])).toEqual([
      [false, false],
      [true, false],
    ]);
    const c1 = p1.json().nextCursor;
    expect(typeof c1).toBe('string');
    const p2 = await get(`${url}?limit=2&cursor=${encodeURIComponent(c1)}`, alice);
    expect(p2.json().items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    expect(p2.json().items.map((d: { canRollback: boolean }) => d.canRollback)).toEqual([true, false]);
    const p3 = await get(`${url}?limit=2&cursor=${encodeURIComponent(p2.json().nextCursor)}`, alice);
    expect(p3.json().items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(p3.json().nextCursor).toBeNull();
    // A new row arriving between pages does not shift the next page (keyset, not offset).
    await deploy(t.app, alice, serviceId, { image: 'nginx:6' });
    const again = await get(`${url}?limit=2&cursor=${encodeURIComponent(c1)}`, alice);
    expect(again.json().items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const all = await get(url, alice);
    expect(all.json().items).toHaveLength(6);

    const byPrefix = await get(`${url}?idPrefix=${ids[2].slice(0, 8)}`, alice);
    expect(byPrefix.json().items.map((d: { id: string }) => d.id)).toContain(ids[2]);
    expect(byPrefix.json().items.every((d: { id: string }) => d.id.startsWith(ids[2].slice(0, 8)))).toBe(true);
    const undashed = await get(`${url}?idPrefix=${ids[2].replace(/-/g, '').slice(0, 12).toUpperCase()}`, alice);
    expect(undashed.json().items.map((d: { id: string }) => d.id)).toEqual([ids[2]]);
  });

  it('400 for a bad cursor, limit or idPrefix (naming the parameter); 403 for others', async () => {
    const { serviceId } = await createService(t.app, alice);
    const url = `/api/services/${serviceId}/deployments`;
    for (const [q, name] of [
      ['cursor=bogus', 'querystring/cursor'],
      ['limit=0', 'querystring/limit'],
      ['limit=101', 'querystring/limit'],
      ['limit=abc', 'querystring/limit'],
      ['idPrefix=abc', 'querystring/idPrefix'],
      ['idPrefix=zzzzzzzz', 'querystring/idPrefix'],
      ['unknown=1', 'querystring/unknown'],
    ]) {
      const res = await get(`${url}?${q}`, alice);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message.startsWith(name), res.json().message).toBe(true);
    }
    expect((await get(url, bob)).statusCode).toBe(403);
  });
});

describe('GET /api/deployments/:id and /diff', () => {
  it('detail: 200 with env; 403 other; 404 unknown', async () => {
    const { serviceId } = await createService(t.app, alice);
    const d = await deploy(t.app, alice, serviceId, { image: 'nginx:1', env: { B: '2', A: '1' } });
    const res = await get(`/api/deployments/${d.json().id}`, alice);
    expect(res.json().env).toEqual([
      { key: 'A', value: '1', isSecret: false },
      { key: 'B', value: '2', isSecret: false },
    ]);
    expect((await get(`/api/deployments/${d.json().id}`, bob)).statusCode).toBe(403);
    const missing = await get(`/api/deployments/${randomUUID()}`, alice);
    expect(missing.json().code).toBe('DEPLOYMENT_NOT_FOUND');
  });

  it('diff: fields and env keys a rollback would change, secrets only as "changed"', async () => {
    const { serviceId } = await createService(t.app, alice);
    const target = await deploy(t.app, alice, serviceId, {
      image: 'nginx:1',
      replicas: 2,
      cpuLimit: '250m',
      env: { SAME: 's', CHANGED: 'old', ONLY_TARGET: 't' },
      secrets: { SECRET_SAME: 'x', SECRET_CHANGED: 'old-secret' },
    });
    const current = await deploy(t.app, alice, serviceId, {
      image: 'nginx:2',
      replicas: 2,
      memoryLimit: '1Gi',
      env: { SAME: 's', CHANGED: 'new', ONLY_CURRENT: 'c' },
      secrets: { SECRET_SAME: 'x', SECRET_CHANGED: 'new-secret' },
    });
    await setStatus(t.ds, target.json().id, 'SUCCESS');
    await setStatus(t.ds, current.json().id, 'RUNNING');
    const res = await get(`/api/deployments/${target.json().id}/diff`, alice);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      targetId: target.json().id,
      currentId: current.json().id,
      only: null,
      fields: [
        { field: 'image', from: 'nginx:2', to: 'nginx:1' },
        { field: 'cpuLimit', from: null, to: '250m' },
        { field: 'memoryLimit', from: '1Gi', to: null },
      ],
      env: {
        added: [{ key: 'ONLY_TARGET', isSecret: false }],
        removed: [{ key: 'ONLY_CURRENT', isSecret: false }],
        changed: [
          { key: 'CHANGED', isSecret: false },
          { key: 'SECRET_CHANGED', isSecret: true },
        ],
      },
    });
    expect(res.body).not.toMatch(/old-secret|new-secret/);
    const self = await get(`/api/deployments/${current.json().id}/diff`, alice);
    expect(self.json()).toMatchObject({ fields: [], env: { added: [], removed: [], changed: [] } });
    expect((await get(`/api/deployments/${target.json().id}/diff`, bob)).statusCode).toBe(403);
  });

  it('diff with no current deployment compares against nothing', async () => {
    const { serviceId } = await createService(t.app, alice);
    const d = await deploy(t.app, alice, serviceId, { image: 'nginx:1', env: { A: '1' } });
    const res = await get(`/api/deployments/${d.json().id}/diff`, alice);
    expect(res.json().currentId).toBeNull();
    expect(res.json().fields).toContainEqual({ field: 'image', from: null, to: 'nginx:1' });
    expect(res.json().env.added).toEqual([{ key: 'A', isSecret: false }]);
  });
});
