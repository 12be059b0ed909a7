import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createService, createTestApp, registerUser, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
const jwtSecret = new TextEncoder().encode('a-test-secret-of-at-least-16-bytes');

beforeAll(async () => {
  t = await createTestApp({ jwtSecret, loginRateLimit: { max: 3, timeWindowMs: 60_000 } });
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as never, headers });

describe('auth', () => {
  it('registers (201), refuses a duplicate email (409) and a short password (400 naming the field)', async () => {
    const email = `Reg-${randomUUID()}@Example.com`;
    const res = await post('/api/auth/register', { email, password: 'long enough pw' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user.email).toBe(email.toLowerCase());
    expect(typeof body.token).toBe('string');
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(body).not.toHaveProperty('user.passwordHash');

    const dup = await post('/api/auth/register', { email, password: 'long enough pw' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('CONFLICT');

    const short = await post('/api/auth/register', { email: `x-${randomUUID()}@example.com`, password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(short.json().message).toMatch(/^body\/password /);

    const badEmail = await post('/api/auth/register', { email: 'nope', password: 'long enough pw' });
    expect(badEmail.json().message).toBe('body/email must be an email address');

    const [{ password_hash }] = await t.ds.query(`SELECT password_hash FROM users WHERE email = $1`, [email.toLowerCase()]);
    expect(password_hash).toMatch(/^scrypt\$/);
    expect(password_hash).not.toContain('long enough pw');
  });

  it('logs in (200) and refuses a wrong password or unknown email with 401', async () => {
    const u = await registerUser(t.app);
    const ok = await post('/api/auth/login', { email: u.email.toUpperCase(), password: 'correct horse battery' });
    expect(ok.statusCode).toBe(200);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${ok.json().token}` } });
    expect(me.json()).toEqual({ id: u.id, email: u.email });
    const wrong = await post('/api/auth/login', { email: u.email, password: 'wrong password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('UNAUTHORIZED');
    const unknown = await post('/api/auth/login', { email: `nobody-${randomUUID()}@example.com`, password: 'whatever1' });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toBe(wrong.json().message);
  });

  it('rate limits login per IP and email (429 RATE_LIMITED), other emails unaffected', async () => {
    const u = await registerUser(t.app);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await post('/api/auth/login', { email: u.email, password: 'wrong password' })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const limited = await post('/api/auth/login', { email: u.email, password: 'correct horse battery' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
    const other = await registerUser(t.app);
    expect((await post('/api/auth/login', { email: other.email, password: 'correct horse battery' })).statusCode).toBe(200);
  });

  it('401 for missing, malformed, forged and expired tokens', async () => {
    const u = await registerUser(t.app);
    const get = (authorization?: string) =>
      t.app.inject({ method: 'GET', url: '/api/me', headers: authorization ? { authorization } : {} });
    for (const h of [undefined, 'Basic abc', 'Bearer', 'Bearer not.a.jwt', 'Bearer kbd_short', `Bearer ${u.token}x`]) {
      const res = await get(h);
      expect(res.statusCode, String(h)).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuer('kubidu').setExpirationTime('1h')
      .sign(new TextEncoder().encode('some-other-secret-of-32-bytes!!!'));
    expect((await get(`Bearer ${forged}`)).statusCode).toBe(401);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuer('kubidu')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(jwtSecret);
    const res = await get(`Bearer ${expired}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('Token expired');
  });

  it('creates personal API tokens shown once and stored as sha256; expiry is enforced', async () => {
    const u = await registerUser(t.app);
    const res = await post('/api/tokens', { name: 'ci', expiresInDays: 30 }, u.auth);
    expect(res.statusCode).toBe(201);
    const { token, id, expiresAt } = res.json();
    expect(token).toMatch(/^kbd_[A-Za-z0-9]{40}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json().id).toBe(u.id);
    const [row] = await t.ds.query(`SELECT token_hash, last_used_at FROM api_tokens WHERE id = $1`, [id]);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(token.slice(4));
    expect(row.last_used_at).not.toBeNull();
    const dump = JSON.stringify(await t.ds.query(`SELECT * FROM api_tokens`)) + JSON.stringify(await t.ds.query(`SELECT * FROM audit_logs`));
    expect(dump).not.toContain(token);
    await t.ds.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const expired = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(expired.statusCode).toBe(401);
    const noName = await post('/api/tokens', {}, u.auth);
    expect(noName.json().message).toBe('body/name is required');
  });
});

describe('projects and services', () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await registerUser(t.app);
    bob = await registerUser(t.app);
  });

  it('creates a project (slug derived), lists only the caller\'s, 409 on a taken slug', async () => {
    const slug = `shop-${randomUUID().slice(0, 8)}`;
    const res = await post('/api/projects', { name: `Shop ${slug.slice(5)}!` }, alice.auth);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ slug, ownerId: alice.id });
    const taken = await post('/api/projects', { name: 'Other', slug }, bob.auth);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('CONFLICT');
    const mine = await t.app.inject({ method: 'GET', url: '/api/projects', headers: alice.auth });
    expect(mine.json().items.map((p: { slug: string }) => p.slug)).toContain(slug);
    const bobs = await t.app.inject({ method: 'GET', url: '/api/projects', headers: bob.auth });
    expect(bobs.json().items.map((p: { slug: string }) => p.slug)).not.toContain(slug);
    const underivable = await post('/api/projects', { name: '!!!' }, alice.auth);
    expect(underivable.statusCode).toBe(400);
    expect(underivable.json().message).toMatch(/^body\/slug /);
    const badSlug = await post('/api/projects', { name: 'x', slug: 'Not_A_Label' }, alice.auth);
    expect(badSlug.json().message).toMatch(/^body\/slug must be a DNS label/);
  });

  it('project by id: 200 own, 403 other, 404 unknown, 400 malformed', async () => {
    const { projectId } = await createService(t.app, alice);
    const get = (id: string, u: TestUser) => t.app.inject({ method: 'GET', url: `/api/projects/${id}`, headers: u.auth });
    expect((await get(projectId, alice)).statusCode).toBe(200);
    const forbidden = await get(projectId, bob);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('FORBIDDEN');
    expect(forbidden.body).not.toContain(projectId);
    expect(forbidden.body).not.toContain(alice.id);
    const missing = await get(randomUUID(), alice);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('PROJECT_NOT_FOUND');
    const bad = await get('123', alice);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe('params/id must be a uuid');
  });

  it('services: DNS-label names, unique per project (409), ownership on create/list/get', async () => {
    const { projectId, serviceId } = await createService(t.app, alice, 'api');
    const dup = await post(`/api/projects/${projectId}/services`, { name: 'api' }, alice.auth);
    expect(dup.statusCode).toBe(409);
    for (const name of ['API', '-api', 'api-', 'a_b', '../etc', 'a'.repeat(64), '']) {
      const res = await post(`/api/projects/${projectId}/services`, { name }, alice.auth);
      expect(res.statusCode, name).toBe(400);
      expect(res.json().message).toMatch(/^body\/name /);
    }
    const badPort = await post(`/api/projects/${projectId}/services`, { name: 'ok', port: 70000 }, alice.auth);
    expect(badPort.json().message).toMatch(/^body\/port /);
    expect((await post(`/api/projects/${projectId}/services`, { name: 'x' }, bob.auth)).statusCode).toBe(403);
    const list = await t.app.inject({ method: 'GET', url: `/api/projects/${projectId}/services`, headers: alice.auth });
    expect(list.json().items).toHaveLength(1);
    expect(list.json().items[0]).toMatchObject({ id: serviceId, name: 'api', port: 8080 });
    expect((await t.app.inject({ method: 'GET', url: `/api/projects/${projectId}/services`, headers: bob.auth })).statusCode).toBe(403);
    const svc = await t.app.inject({ method: 'GET', url: `/api/services/${serviceId}`, headers: alice.auth });
    expect(svc.json()).toMatchObject({ id: serviceId, projectId, name: 'api' });
    expect(svc.json().projectSlug).toMatch(/^project-/);
    expect((await t.app.inject({ method: 'GET', url: `/api/services/${serviceId}`, headers: bob.auth })).statusCode).toBe(403);
    const missing = await t.app.inject({ method: 'GET', url: `/api/services/${randomUUID()}`, headers: alice.auth });
    expect(missing.json().code).toBe('SERVICE_NOT_FOUND');
  });

  it('audit listing: newest first, filtered, paginated; 403 for others\' projects', async () => {
    const { projectId, serviceId } = await createService(t.app, alice, 'audited');
    const all = await t.app.inject({ method: 'GET', url: `/api/audit?projectId=${projectId}`, headers: alice.auth });
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((a: { action: string }) => a.action)).toEqual(['SERVICE_CREATED', 'PROJECT_CREATED']);
    const page1 = await t.app.inject({ method: 'GET', url: `/api/audit?projectId=${projectId}&limit=1`, headers: alice.auth });
    expect(page1.json().items[0].action).toBe('SERVICE_CREATED');
    const page2 = await t.app.inject({ method: 'GET', url: `/api/audit?projectId=${projectId}&limit=1&cursor=${page1.json().nextCursor}`, headers: alice.auth });
    expect(page2.json().items[0].action).toBe('PROJECT_CREATED');
    expect(page2.json().nextCursor).toBeNull();
    const bySvc = await t.app.inject({ method: 'GET', url: `/api/audit?serviceId=${serviceId}`, headers: alice.auth });
    expect(bySvc.json().items.map((a: { action: string }) => a.action)).toEqual(['SERVICE_CREATED']);
    const mine = await t.app.inject({ method: 'GET', url: `/api/audit`, headers: alice.auth });
    const actions = mine.json().items.map((a: { action: string }) => a.action);
    expect(actions).toContain('USER_REGISTERED');
    const bobsView = await t.app.inject({ method: 'GET', url: `/api/audit`, headers: bob.auth });
    expect(bobsView.json().items.every((a: { actorId: string }) => a.actorId === bob.id)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: `/api/audit?projectId=${projectId}`, headers: bob.auth })).statusCode).toBe(403);
    const badCursor = await t.app.inject({ method: 'GET', url: `/api/audit?cursor=zzz`, headers: alice.auth });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().message).toMatch(/^querystring\/cursor /);
  });
});
