/**
 * What auth-projects.test.ts and http.test.ts leave open: the login rate limit
 * cannot be dodged by changing the email's case or by a spoofed
 * X-Forwarded-For; stored passwords are scrypt with memory-hard parameters and
 * a salt of their own; login tokens carry the configured lifetime and stop
 * working after it; an error answer carries the security headers too; CORS
 * never allows credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestApp, registerUser, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ loginRateLimit: { max: 3, timeWindowMs: 60_000 }, config: loadConfig({ KUBIDU_TOKEN_TTL_SECONDS: '120' }) });
});
afterAll(async () => t?.close());

const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, headers });

describe('login rate limit', () => {
  it('counts case variants of one email together, and ignores X-Forwarded-For', async () => {
    const u = await registerUser(t.app);
    const variants = [u.email, u.email.toUpperCase(), `${u.email.slice(0, 3).toUpperCase()}${u.email.slice(3)}`];
    const codes: number[] = [];
    for (const [i, e] of variants.entries()) codes.push((await login(e, 'wrong password', { 'x-forwarded-for': `203.0.113.${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 401]);
    for (const [i, e] of [...variants, `${u.email.slice(0, 1).toUpperCase()}${u.email.slice(1)}`].entries()) {
      const res = await login(e, 'correct horse battery', { 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `198.51.100.${i}` });
      expect(res.statusCode, e).toBe(429);
      expect(res.json().code).toBe('RATE_LIMITED');
      expect(res.body).not.toContain('token');
    }
    // Padded with spaces: refused before it could reach a bucket of its own.
    const padded = await login(` ${u.email} `, 'correct horse battery');
    expect([400, 429]).toContain(padded.statusCode);
    expect(padded.body).not.toContain('token');
  });
});

describe('password storage', () => {
  it('is scrypt with at least N=2^15, r=8 (32 MiB) and a 16-byte salt per user', async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const rows: Array<{ password_hash: string }> = await t.ds.query(`SELECT password_hash FROM users WHERE id = ANY($1::uuid[]) ORDER BY email`, [[a.id, b.id]]);
    const parsed = rows.map((r) => r.password_hash.split('$'));
    for (const [alg, N, r, p, salt, hash] of parsed) {
      expect(alg).toBe('scrypt');
      expect(Number(N)).toBeGreaterThanOrEqual(1 << 15);
      expect(Number(r)).toBeGreaterThanOrEqual(8);
      expect(Number(p)).toBeGreaterThanOrEqual(1);
      expect(128 * Number(N) * Number(r)).toBeGreaterThanOrEqual(32 * 1024 * 1024);
      expect(Buffer.from(salt, 'base64')).toHaveLength(16);
      expect(Buffer.from(hash, 'base64').length).toBeGreaterThanOrEqual(32);
    }
    // Same password, different salts and hashes.
    expect(parsed[0][4]).not.toBe(parsed[1][4]);
    expect(parsed[0][5]).not.toBe(parsed[1][5]);
  });
});

describe('token lifetime', () => {
  it('a login token lives KUBIDU_TOKEN_TTL_SECONDS and expiresAt says so', async () => {
    const u = await registerUser(t.app);
    const res = await login(u.email, 'correct horse battery');
    expect(res.statusCode).toBe(200);
    const claims = decodeJwt(res.json().token);
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(Math.abs(Date.parse(res.json().expiresAt) - claims.exp! * 1000)).toBeLessThan(1000);
    expect(claims).not.toHaveProperty('password');
  });
});

describe('headers on errors', () => {
  it('a 401, a 400 and a 403 carry the security headers', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const p = await t.app.inject({ method: 'POST', url: '/api/projects', headers: alice.auth, payload: { name: `H ${randomBytes(3).toString('hex')}` } });
    for (const res of [
      await t.app.inject({ url: '/api/projects' }),
      await t.app.inject({ method: 'POST', url: '/api/projects', headers: alice.auth, payload: { name: 1 } }),
      await t.app.inject({ url: `/api/projects/${p.json().id}`, headers: bob.auth }),
    ]) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['cache-control'] ?? '').not.toMatch(/public/);
    }
  });

  it('CORS never allows credentials, even for a configured origin', async () => {
    const app = buildApp({ ds: t.ds, secretBox: t.secretBox, jwtSecret: randomBytes(32), config: loadConfig({ KUBIDU_CORS_ORIGINS: 'https://ui.example' }), logger: false });
    try {
      const pre = await app.inject({
        method: 'OPTIONS',
        url: '/api/projects',
        headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      expect(pre.headers['access-control-allow-origin']).toBe('https://ui.example');
      expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
      const evil = await app.inject({ method: 'OPTIONS', url: '/api/projects', headers: { origin: 'https://ui.example.evil.com', 'access-control-request-method': 'POST' } });
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
