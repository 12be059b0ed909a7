/**
 * Issue 16.11: the git webhook refuses a disabled or unsigned delivery before it
 * reads the body (a 20 MB post is answered while the client is still sending;
 * node discards the rest without buffering it), and a signed delivery over the
 * route's small body limit is 413.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { WEBHOOK_BODY_LIMIT } from '../../src/modules/webhooks/webhook-routes.js';
import { createTestApp, type TestApp } from '../support/app.js';

const SECRET = 'a-webhook-secret-for-tests';
const BIG = 20 * 1024 * 1024;

/**
 * POSTs a `BIG`-byte body over a raw socket in 64 KiB chunks, waiting for each to
 * drain. Returns the answer and how many body bytes were written when it came.
 */
function slowPost(port: number, headers: Record<string, string>): Promise<{ answer: string; sentWhenAnswered: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let sentWhenAnswered = -1;
    socket.on('data', (c) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      answer += c;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer, sentWhenAnswered }));
    socket.on('connect', async () => {
      const head = Object.entries({ host: 'x', 'content-type': 'application/json', 'content-length': String(BIG), ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`POST /api/webhooks/git HTTP/1.1\r\n${head}\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      while (sent < BIG && !socket.destroyed) {
        if (sentWhenAnswered >= 0 && sent - sentWhenAnswered > 4 * 1024 * 1024) break; // the server kept reading: stop
        const ok = socket.write(chunk);
        sent += chunk.length;
        if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
        await new Promise((r) => setImmediate(r));
      }
      socket.destroy();
    });
  });
}

async function listening(t: TestApp): Promise<number> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return (t.app.server.address() as { port: number }).port;
}

describe('webhooks disabled (no KUBIDU_WEBHOOK_SECRET)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('a 20 MB post is answered 503 before the client finished sending', async () => {
    const r = await slowPost(await listening(t), { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    expect(r.answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(r.answer).toContain('"code":"WEBHOOKS_DISABLED"');
    expect(r.sentWhenAnswered).toBeGreaterThanOrEqual(0);
    expect(r.sentWhenAnswered).toBeLessThan(BIG / 2);
  });
});

describe('webhooks enabled', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ config: loadConfig({ KUBIDU_DATA_DIR: '/nonexistent-kubidu-test', KUBIDU_WEBHOOK_SECRET: SECRET }) });
    port = await listening(t);
  });
  afterAll(async () => t?.close());

  it('an unsigned 20 MB post is 401 before the body is read', async () => {
    const r = await slowPost(port, {});
    expect(r.answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(r.answer).toContain('not signed');
    expect(r.sentWhenAnswered).toBeGreaterThanOrEqual(0);
    expect(r.sentWhenAnswered).toBeLessThan(BIG / 2);
  });

  it('a wrong GitLab token or a malformed signature header is 401 before the body too', async () => {
    const cases: Record<string, string>[] = [{ 'x-gitlab-token': 'wrong' }, { 'x-hub-signature-256': 'sha1=abc' }, { 'x-gitea-signature': 'zz' }];
    for (const headers of cases) {
      const r = await slowPost(port, headers);
      expect(r.answer, JSON.stringify(headers)).toMatch(/^HTTP\/1\.1 401 /);
      expect(r.sentWhenAnswered, JSON.stringify(headers)).toBeGreaterThanOrEqual(0);
      expect(r.sentWhenAnswered, JSON.stringify(headers)).toBeLessThan(BIG / 2);
    }
  });

  it(`a signed delivery over ${WEBHOOK_BODY_LIMIT} bytes is 413; one under it is read`, async () => {
    const send = (body: Buffer) =>
      t.app.inject({
        method: 'POST',
        url: '/api/webhooks/git',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        },
        payload: body,
      });
    const over = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(WEBHOOK_BODY_LIMIT) }));
    const res = await send(over);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
    const ok = await send(Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), pad: 'x'.repeat(WEBHOOK_BODY_LIMIT - 200) })));
    expect(ok.statusCode).toBe(202);
    expect(WEBHOOK_BODY_LIMIT).toBeLessThanOrEqual(1024 * 1024);
  });
});
