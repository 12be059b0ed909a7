/**
 * Issue 16.6 (rates) and 16.7: deploys, env changes, projects and services are
 * budgeted per user; login per client across emails (not only per client and
 * email) and registration per client; the client is the socket's address unless
 * KUBIDU_TRUST_PROXY names the proxy whose X-Forwarded-For to believe. Beyond a
 * budget: 429 RATE_LIMITED with Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_RATE_LIMITS } from '../../src/plugins/rate-limits.js';
import { createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

const budget = (max: number) => ({ max, timeWindowMs: 60_000 });

function expectLimited(res: LightMyRequestResponse, max: number) {
  expect(res.statusCode).toBe(429);
  expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', data: { limit: max, windowSeconds: 60 } });
  expect(res.json().message).toContain(`at most ${max} per minute`);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('per-user budgets for deploys, env changes, projects and services', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ rateLimits: { deploys: budget(3), projects: budget(2), services: budget(2) } });
    alice = await registerUser(t.app);
    bob = await registerUser(t.app);
  });
  afterAll(async () => t?.close());

  const newProject = (u: TestUser, name: string) => t.app.inject({ method: 'POST', url: '/api/projects', headers: u.auth, payload: { name } });
  const newService = (u: TestUser, projectId: string, name: string) =>
    t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: u.auth, payload: { name } });

  it('the defaults budget every one of them', () => {
    for (const b of Object.values(DEFAULT_RATE_LIMITS)) expect(b.max).toBeGreaterThan(0);
  });

  it('projects and services: the third in a minute is 429, and another user is not affected', async () => {
    const p1 = await newProject(alice, 'One');
    expect(p1.statusCode).toBe(201);
    expect((await newProject(alice, 'Two')).statusCode).toBe(201);
    expectLimited(await newProject(alice, 'Three'), 2);
    expect((await t.ds.query(`SELECT count(*)::int AS n FROM projects WHERE name = 'Three'`))[0].n).toBe(0);
    const pb = await newProject(bob, 'Bobs');
    expect(pb.statusCode).toBe(201);

    const pid = p1.json().id;
    expect((await newService(alice, pid, 'a')).statusCode).toBe(201);
    expect((await newService(alice, pid, 'b')).statusCode).toBe(201);
    expectLimited(await newService(alice, pid, 'c'), 2);
    expect((await newService(bob, pb.json().id, 'c')).statusCode).toBe(201);
  });

  it('deploys and env changes share one budget; a rollback is never limited', async () => {
    const svc = (await t.ds.query(`SELECT s.id FROM services s JOIN projects p ON p.id = s.project_id WHERE p.owner_id = $1 LIMIT 1`, [alice.id]))[0].id;
    const d1 = await deploy(t.app, alice, svc, { image: 'ghcr.io/acme/web:1' });
    expect(d1.statusCode).toBe(202);
    await setStatus(t.ds, d1.json().id, 'RUNNING');
    const d2 = await deploy(t.app, alice, svc, { image: 'ghcr.io/acme/web:2' });
    expect(d2.statusCode).toBe(202);
    await setStatus(t.ds, d2.json().id, 'RUNNING');
    const env = await t.app.inject({ method: 'PATCH', url: `/api/services/${svc}/env`, headers: alice.auth, payload: { set: { A: '1' } } });
    expect(env.statusCode).toBe(202);
    expectLimited(await deploy(t.app, alice, svc, { image: 'ghcr.io/acme/web:4' }), 3);
    expectLimited(await t.app.inject({ method: 'PATCH', url: `/api/services/${svc}/env`, headers: alice.auth, payload: { set: { B: '1' } } }), 3);
    await setStatus(t.ds, env.json().id, 'RUNNING');
    const rb = await t.app.inject({ method: 'POST', url: `/api/deployments/${d1.json().id}/rollback`, headers: alice.auth, payload: {} });
    expect(rb.statusCode).toBe(202);
  });
});

describe('login and registration per client (issue 16.7)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimits: { loginPerClient: budget(5), register: budget(2) } });
  });
  afterAll(async () => t?.close());

  const login = (email: string, remoteAddress = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { email, password: 'wrong password here' } });
  const register = (email: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress, headers, payload: { email, password: 'correct horse battery' } });

  it('bad logins with a different email each time are limited per client; another client still gets its answer', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`guess${i}@example.com`, '10.0.0.1')).statusCode).toBe(401);
    expectLimited(await login('guess-next@example.com', '10.0.0.1'), 5);
    expect((await login('guess-next@example.com', '10.0.0.2')).statusCode).toBe(401);
  });

  it('registration is limited per client, and X-Forwarded-For is not believed by default', async () => {
    expect((await register('r1@example.com', '10.0.1.1')).statusCode).toBe(201);
    expect((await register('r2@example.com', '10.0.1.1', { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(201);
    expectLimited(await register('r3@example.com', '10.0.1.1', { 'x-forwarded-for': '203.0.113.10' }), 2);
    expect((await t.ds.query(`SELECT count(*)::int AS n FROM users WHERE email = 'r3@example.com'`))[0].n).toBe(0);
    expect((await register('r3@example.com', '10.0.1.2')).statusCode).toBe(201);
  });
});

describe('KUBIDU_TRUST_PROXY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      config: loadConfig({ KUBIDU_DATA_DIR: '/nonexistent-kubidu-test', KUBIDU_TRUST_PROXY: '10.9.0.0/16' }),
      rateLimits: { register: budget(1) },
    });
  });
  afterAll(async () => t?.close());

  const register = (email: string, remoteAddress: string, xff: string) =>
    t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress, headers: { 'x-forwarded-for': xff }, payload: { email, password: 'correct horse battery' } });

  it('behind the trusted proxy each client has its own budget; a client not behind it cannot choose its address', async () => {
    expect((await register('p1@example.com', '10.9.0.5', '198.51.100.1')).statusCode).toBe(201);
    expect((await register('p2@example.com', '10.9.0.5', '198.51.100.2')).statusCode).toBe(201);
    expectLimited(await register('p3@example.com', '10.9.0.5', '198.51.100.2'), 1);
    expect((await register('p4@example.com', '192.0.2.7', '198.51.100.3')).statusCode).toBe(201);
    expectLimited(await register('p5@example.com', '192.0.2.7', '198.51.100.4'), 1);
  });

  it('a malformed value stops start-up naming the variable', () => {
    expect(() => loadConfig({ KUBIDU_TRUST_PROXY: 'not-an-ip' })).toThrow(/KUBIDU_TRUST_PROXY/);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ KUBIDU_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ KUBIDU_TRUST_PROXY: '10.0.0.1, fd00::/8' }).trustProxy).toEqual(['10.0.0.1', 'fd00::/8']);
  });
});
