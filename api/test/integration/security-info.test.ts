/**
 * Issue 16.14: unknown query parameters are refused on every API route (as the
 * contract says), the 431 a too-large header block gets carries a `code`, and a
 * built web app's source maps are not served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createService, createTestApp, registerUser, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let u: TestUser;
let ids: { projectId: string; serviceId: string };
const registered: Array<{ method: string; url: string; query: boolean }> = [];

beforeAll(async () => {
  t = await createTestApp();
  u = await registerUser(t.app);
  ids = await createService(t.app, u);
});
afterAll(async () => t?.close());

describe('unknown query parameters (contract: refused)', () => {
  it('GET /api/projects?x=1 is 400 naming the parameter', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/projects?x=1', headers: u.auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: 'querystring/x is not allowed' });
    expect((await t.app.inject({ method: 'GET', url: '/api/projects', headers: u.auth })).statusCode).toBe(200);
  });

  it('every /api route declares a querystring schema that refuses unknown names (the route table, not a list)', async () => {
    const app = buildApp({ ds: t.ds, secretBox: t.secretBox, jwtSecret: randomBytes(32), config: loadConfig({}), logger: false });
    app.addHook('onRoute', (r) => {
      const q = (r.schema as { querystring?: { additionalProperties?: unknown } } | undefined)?.querystring;
      for (const m of [r.method].flat()) {
        if (m !== 'HEAD' && r.url.startsWith('/api/')) registered.push({ method: m, url: r.url, query: q?.additionalProperties === false });
      }
    });
    await app.ready();
    await app.close();
    expect(registered.length).toBeGreaterThan(15);
    expect(registered.filter((r) => !r.query).map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('a few routes of each kind answer 400 to an extra parameter before doing anything', async () => {
    const before = (await t.ds.query(`SELECT count(*)::int AS n FROM deployments`))[0].n;
    for (const [method, url, payload] of [
      ['GET', `/api/services/${ids.serviceId}/deployments?limit=5&sort=desc`],
      ['GET', `/api/services/${ids.serviceId}?expand=all`],
      ['POST', `/api/services/${ids.serviceId}/deployments?dryRun=1`, { image: 'nginx:1' }],
      ['GET', '/api/me?access_token=x'],
      ['GET', '/api/audit?projectId=' + ids.projectId + '&x=1'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: u.auth, payload: payload as never });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toBe('VALIDATION_ERROR');
      expect(res.json().message, url).toMatch(/^querystring\/\w+ is not allowed$/);
    }
    expect((await t.ds.query(`SELECT count(*)::int AS n FROM deployments`))[0].n).toBe(before);
  });
});

describe('431 has the contract body', () => {
  it('a header block over the limit is 431 HEADERS_TOO_LARGE as JSON', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as { port: number }).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /api/projects HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (c) => (data += c));
      socket.on('close', () => resolve(data));
      socket.on('error', (err) => (data ? resolve(data) : reject(err)));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ statusCode: 431, code: 'HEADERS_TOO_LARGE', error: 'Request Header Fields Too Large', message: 'The request headers are too large' });
  });
});

describe('source maps', () => {
  it('the web build does not emit them', () => {
    const vite = readFileSync(join(import.meta.dirname, '../../../web/vite.config.ts'), 'utf8');
    expect(vite).toMatch(/sourcemap:\s*false/);
  });

  it('a .map file in the served web app is 404, not the file and not the SPA page; a missing asset is 404 too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-web-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Kubidu</title>');
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map');
      writeFileSync(join(dir, 'assets', 'app.js.map'), '{"version":3,"sources":["src/secret-logic.ts"]}');
      const app = buildApp({ ds: t.ds, secretBox: t.secretBox, jwtSecret: randomBytes(32), config: loadConfig({}), logger: false, webDistDir: dir });
      try {
        expect((await app.inject({ url: '/assets/app.js' })).statusCode).toBe(200);
        for (const url of ['/assets/app.js.map', '/assets/APP.JS.MAP', '/assets/app.js.map?x=1', '/assets/missing.js']) {
          const res = await app.inject({ url });
          expect(res.statusCode, url).toBe(404);
          expect(res.body, url).not.toContain('secret-logic');
          expect(res.body, url).not.toContain('<title>');
        }
        expect((await app.inject({ url: '/services/1/history' })).body).toContain('<title>Kubidu</title>');
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
