import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { openDatabase } from '@kubidu/core/db/data-source';
import { createTestApp, registerUser, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../../../test-support/database.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('errors for anything a client can send', () => {
  it('unknown routes → 404 ROUTE_NOT_FOUND as JSON', async () => {
    for (const [method, url] of [
      ['GET', '/api/nope'],
      ['DELETE', '/api/projects'],
      ['GET', '/'],
      ['PUT', '/api/deployments/x/rollback'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.json().code).toBe('ROUTE_NOT_FOUND');
    }
  });

  it('malformed JSON, wrong content type, empty and huge bodies are 4xx with a code', async () => {
    const u = await registerUser(t.app);
    const url = '/api/projects';
    const send = (payload: string | Buffer, contentType?: string) =>
      t.app.inject({ method: 'POST', url, payload, headers: { ...u.auth, ...(contentType ? { 'content-type': contentType } : {}) } });
    const cases: [string | Buffer, string | undefined, number, string][] = [
      ['{bad json', 'application/json', 400, 'VALIDATION_ERROR'],
      ['{"__proto__": {"polluted": true}, "name": "x"}', 'application/json', 400, 'VALIDATION_ERROR'],
      ['[1,2,3]', 'application/json', 400, 'VALIDATION_ERROR'],
      ['null', 'application/json', 400, 'VALIDATION_ERROR'],
      ['', 'application/json', 400, 'VALIDATION_ERROR'],
      ['name=x', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['hello', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [Buffer.alloc(5 * 1024 * 1024, 0x20), 'application/json', 413, 'PAYLOAD_TOO_LARGE'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 'application/json', 400, 'VALIDATION_ERROR'],
    ];
    for (const [payload, ct, status, code] of cases) {
      const res = await send(payload, ct);
      expect(res.statusCode, `${ct} ${String(payload).slice(0, 30)}`).toBe(status);
      expect(res.json().code).toBe(code);
      expect(typeof res.json().message).toBe('string');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('malformed ids name the parameter; over-long and badly encoded paths are 400', async () => {
    const u = await registerUser(t.app);
    for (const id of ['x', '123', '00000000-0000-0000-0000-00000000000g', "1' OR '1'='1", '..%2F..%2Fetc']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/deployments/${id}`, headers: u.auth });
      expect(res.statusCode, id).toBe(400);
      expect(res.json().message).toBe('params/id must be a uuid');
    }
    const long = await t.app.inject({ method: 'GET', url: `/api/deployments/${'a'.repeat(500)}`, headers: u.auth });
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toBe('VALIDATION_ERROR');
    const bad = await t.app.inject({ method: 'GET', url: '/api/deployments/%E0%A4%A', headers: u.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_ERROR');
  });
});

describe('headers', () => {
  it('sets security headers on every answer', async () => {
    for (const url of ['/healthz', '/api/nope', '/api/me']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['strict-transport-security']).toBeDefined();
      // Plain http on a LAN address must keep working (no forced https upgrade).
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    }
    const docs = await t.app.inject({ method: 'GET', url: '/docs/static/index.html' });
    expect(docs.headers['content-security-policy']).toBeDefined();
    expect(docs.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('CORS is closed by default (no allow-origin, preflight refused)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/projects',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS opens only for configured origins', async () => {
    const app = buildApp({
      ds: t.ds,
      secretBox: t.secretBox,
      jwtSecret: randomBytes(32),
      config: loadConfig({ KUBIDU_CORS_ORIGINS: 'https://ui.example' }),
      logger: false,
    });
    try {
      const ok = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://ui.example' } });
      expect(ok.headers['access-control-allow-origin']).toBe('https://ui.example');
      const other = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('health, docs and the web app', () => {
  it('/healthz and /readyz answer 200', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('serves the OpenAPI document with every contract route', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const p of [
      '/api/auth/register', '/api/auth/login', '/api/me', '/api/tokens', '/api/projects', '/api/projects/{id}',
      '/api/projects/{id}/services', '/api/services/{id}', '/api/services/{id}/deployments', '/api/deployments/{id}',
      '/api/deployments/{id}/diff', '/api/deployments/{id}/rollback', '/api/services/{id}/events', '/api/audit', '/healthz', '/readyz',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect((await t.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('serves a built web app with an SPA fallback, never for /api', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-web-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Kubidu</title>');
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
      const app = buildApp({ ds: t.ds, secretBox: t.secretBox, jwtSecret: randomBytes(32), config: loadConfig({}), logger: false, webDistDir: dir });
      try {
        const root = await app.inject({ url: '/' });
        expect(root.statusCode).toBe(200);
        expect(root.body).toContain('<title>Kubidu</title>');
        const js = await app.inject({ url: '/assets/app.js' });
        expect(js.body).toBe('console.log(1)');
        const deep = await app.inject({ url: '/services/123/history' });
        expect(deep.statusCode).toBe(200);
        expect(deep.body).toContain('<title>Kubidu</title>');
        const api = await app.inject({ url: '/api/nope' });
        expect(api.json().code).toBe('ROUTE_NOT_FOUND');
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('database unreachable', () => {
  /** A TCP proxy in front of Postgres that the test can cut, like a database going away. */
  async function proxy(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      port: (server.address() as { port: number }).port,
      cut: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    };
  }

  it('/readyz → 503 and API routes → 503 DATABASE_UNAVAILABLE, internals hidden', async () => {
    const { url, ds: direct } = await createTestDatabase();
    await direct.destroy();
    const target = new URL(url);
    const p = await proxy(target);
    const proxied = new URL(url);
    proxied.port = String(p.port);
    const ds = await openDatabase({ url: proxied.toString(), poolMax: 2 });
    const app = buildApp({ ds, secretBox: new SecretBox(randomBytes(32)), jwtSecret: randomBytes(32), config: loadConfig({}), logger: false });
    try {
      const u = await registerUser(app);
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      await p.cut();
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().code).toBe('DATABASE_UNAVAILABLE');
      const res = await app.inject({ method: 'GET', url: '/api/projects', headers: u.auth });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('DATABASE_UNAVAILABLE');
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminated/);
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await ds.destroy().catch(() => undefined);
    }
  });
});
