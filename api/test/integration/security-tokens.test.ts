/**
 * Issue 16, item 3 through the real API: tokens can be listed and revoked, sign-out
 * ends the login tokens issued before it, a minted token never outlives the one
 * that minted it, and a login token without `exp` is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createTestApp, registerUser, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
const jwtSecret = new TextEncoder().encode('a-token-test-secret-of-at-least-16-bytes');

beforeAll(async () => {
  t = await createTestApp({ jwtSecret });
});
afterAll(async () => t?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = async (token: string) => (await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode;
const mint = async (token: string, payload: Record<string, unknown>) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(token), payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; token: string; expiresAt: string | null };
};
const login = async (u: TestUser) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: 'correct horse battery' } });
  expect(res.statusCode).toBe(200);
  return res.json() as { token: string; expiresAt: string };
};

describe('listing and revoking API tokens', () => {
  it('GET /api/tokens lists only the caller\'s tokens, never the token itself; DELETE ends one at once', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const a1 = await mint(alice.token, { name: 'ci' });
    const a2 = await mint(alice.token, { name: 'laptop' });
    const b1 = await mint(bob.token, { name: 'bob ci' });
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: alice.auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { id: string }) => i.id).sort()).toEqual([a1.id, a2.id].sort());
    expect(list.body).not.toContain(a1.token);
    expect(list.body).not.toContain(b1.id);
    expect(list.json().items[0]).toEqual({ id: expect.any(String), name: expect.any(String), createdAt: expect.any(String), lastUsedAt: null, expiresAt: expect.any(String), scope: null });

    expect(await me(a1.token)).toBe(200);
    // bob cannot revoke alice's token, and learns nothing about it
    const foreign = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${a1.id}`, headers: bob.auth });
    expect(foreign.statusCode).toBe(404);
    expect(await me(a1.token)).toBe(200);

    const del = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${a1.id}`, headers: alice.auth });
    expect(del.statusCode).toBe(204);
    expect(await me(a1.token)).toBe(401);
    expect(await me(a2.token)).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${a1.id}`, headers: alice.auth })).statusCode).toBe(404);
    const [audit] = await t.ds.query(`SELECT data FROM audit_logs WHERE action = 'TOKEN_REVOKED' AND actor_id = $1`, [alice.id]);
    expect(audit.data).toMatchObject({ tokenId: a1.id, name: 'ci' });
  });
});

describe('sign-out', () => {
  it('ends the login token and every older one; a new login works; API tokens stay until revoked', async () => {
    const u = await registerUser(t.app);
    const api = await mint(u.token, { name: 'ci' });
    const other = await login(u);
    expect(await me(u.token)).toBe(200);
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: u.auth });
    expect(out.statusCode).toBe(204);
    expect(await me(u.token)).toBe(401);
    expect(await me(other.token)).toBe(401);
    const fresh = await login(u);
    expect(await me(fresh.token)).toBe(200);
    expect(await me(api.token)).toBe(200);
  });
});

describe('minted tokens never outlive their parent', () => {
  it('a token minted with a login token expires with it, even when asked for longer or for no expiry', async () => {
    const u = await registerUser(t.app);
    const { expiresAt: parent } = await login(u);
    const parentToken = (await login(u)).token;
    const open = await mint(parentToken, { name: 'no expiry asked' });
    expect(open.expiresAt).not.toBeNull();
    expect(Date.parse(open.expiresAt!)).toBeLessThanOrEqual(Date.parse(parent) + 2000);
    const long = await mint(parentToken, { name: 'ten years', expiresInDays: 3650 });
    expect(Date.parse(long.expiresAt!)).toBeLessThanOrEqual(Date.parse(parent) + 2000);
  });

  it('a token minted with a one-day API token is capped at that day; a permanent one may mint a permanent one', async () => {
    const u = await registerUser(t.app);
    const day = await mint(u.token, { name: 'one day', expiresInDays: 1 });
    const child = await mint(day.token, { name: 'forever?' });
    expect(child.expiresAt).toBe(day.expiresAt);
    const shorter = await mint(day.token, { name: 'shorter' , expiresInDays: 1 });
    expect(Date.parse(shorter.expiresAt!)).toBeLessThanOrEqual(Date.parse(day.expiresAt!));
    await t.ds.query(`UPDATE api_tokens SET expires_at = NULL WHERE id = $1`, [day.id]);
    expect((await mint(day.token, { name: 'permanent' })).expiresAt).toBeNull();
  });
});

describe('login tokens must expire', () => {
  it('a correctly signed JWT without exp is refused; with exp it is accepted', async () => {
    const u = await registerUser(t.app);
    const noExp = await new SignJWT({ email: u.email }).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuer('kubidu').setIssuedAt().sign(jwtSecret);
    expect(await me(noExp)).toBe(401);
    const withExp = await new SignJWT({ email: u.email }).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuer('kubidu').setIssuedAt().setExpirationTime('1h').sign(jwtSecret);
    expect(await me(withExp)).toBe(200);
  });
});
