/**
 * SIGTERM on the real API process (`platform/src/main.ts`, as `npm start` runs
 * it, on a real Postgres): it stops accepting connections at once, finishes the
 * request in flight (a login whose body is still arriving when the signal
 * lands), then exits 0.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test-support/database.js';
import { killAllChildren, startChild } from '../../../test-support/child-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'kubidu-sigterm-api-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('API SIGTERM', () => {
  it('refuses new connections, finishes the request in flight, exits 0', async () => {
    const { url: databaseUrl, ds } = await createTestDatabase();
    await ds.destroy();
    const api = startChild(process.execPath, ['--import', 'tsx', 'platform/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATABASE_URL: databaseUrl, KUBIDU_CONTROLLER: 'off', KUBIDU_DATA_DIR: dataDir },
    });
    const base = /answering on (\S+)/.exec(await api.waitForLine(/Kubidu is answering on/, 90_000))![1];
    const credentials = { email: 'term@example.com', password: 'correct horse battery' };
    const reg = await fetch(`${base}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    expect(reg.status).toBe(201);

    // A login whose body arrives in two halves, with SIGTERM in between.
    const body = JSON.stringify(credentials);
    const { port } = new URL(base);
    let refused = '';
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      void sleep(500).then(async () => {
        api.signal('SIGTERM');
        await api.waitForLine(/shutting down/, 10_000);
        // The listener closes a few ticks after the log line (fastify runs its preClose hooks
        // first): a new connection is refused within moments, while the old request, whose
        // body is still not all sent, is still open and later answered.
        const attempt = () =>
          new Promise<string>((done) => {
            const sock = connect(Number(port), '127.0.0.1');
            sock.on('connect', () => (sock.destroy(), done('connected')));
            sock.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
          });
        // ECONNRESET: the kernel queued the connection on the listening socket just before it
        // closed, then reset it — the listener was still closing; try again until it is refused.
        const stillClosing = (r: string) => r === 'connected' || r === 'ECONNRESET';
        for (let i = 0; i < 100 && stillClosing((refused = await attempt())); i++) await sleep(50);
        req.end(body.slice(10));
      });
    });
    const res = await answer;
    expect(refused).toBe('ECONNREFUSED');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).token).toEqual(expect.any(String));
    expect(await api.exited).toBe(0);
  }, 120_000);
});
