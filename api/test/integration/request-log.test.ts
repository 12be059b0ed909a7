/**
 * Access logs: one JSON line per request, a request id in the `x-request-id`
 * response header, and that id on every line the request wrote (the access line
 * and a route's own warning), with the caller's id kept when it sends a sane one.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { registerUser } from '../support/app.js';
import { createTestDatabase } from '../../../test-support/database.js';
import { waitFor } from '../../../test-support/wait.js';

const lines: Array<Record<string, unknown>> = [];
const stream = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});

let t: { app: FastifyInstance; ds: DataSource };
beforeAll(async () => {
  const { ds } = await createTestDatabase();
  const app = buildApp({
    ds,
    secretBox: new SecretBox(randomBytes(32)),
    jwtSecret: randomBytes(32),
    config: loadConfig({ KUBIDU_DATA_DIR: '/nonexistent-kubidu-test' }),
    logger: { level: 'info', stream },
  });
  // A route that writes a line of its own, as a module's warning would.
  app.get('/test-only/warns', async (req) => {
    req.log.warn({ step: 'inside the route' }, 'a route line');
    return { ok: true };
  });
  // A route that takes the response over, as the event stream does.
  app.get('/test-only/stream', async (_req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.write(': open\n\n');
  });
  await app.ready();
  t = { app, ds };
});
afterAll(async () => {
  await t?.app.close();
  await t?.ds.destroy();
});

const linesOf = (id: string) => lines.filter((l) => l.reqId === id);

describe('request logs', () => {
  it('writes one line per request, carrying the id returned in x-request-id', async () => {
    const before = lines.length;
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.length - before).toBe(1);
    expect(linesOf(id)).toEqual([expect.objectContaining({ msg: 'request', method: 'GET', url: '/healthz', status: 200, reqId: id })]);
  });

  it('puts the id on every line of a request, and keeps a caller-given id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test-only/warns', headers: { 'x-request-id': 'edge-42.abc' } });
    expect(res.headers['x-request-id']).toBe('edge-42.abc');
    const mine = linesOf('edge-42.abc');
    expect(mine.map((l) => l.msg)).toEqual(['a route line', 'request']);
  });

  it('replaces an unsafe caller id, and keeps tokens out of the logged URL', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/projects?access_token=${u.token}`,
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    const id = res.headers['x-request-id'] as string;
    expect(id).not.toContain(' ');
    const [line] = linesOf(id);
    expect(line.url).toBe('/api/projects?access_token=[redacted]');
    expect(JSON.stringify(lines)).not.toContain(u.token);
  });

  it('a stream the route takes over gets its one line when it closes', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/test-only/stream`, { signal: ac.signal, headers: { 'x-request-id': 'stream-1' } });
    expect(res.headers.get('x-request-id')).toBe('stream-1');
    ac.abort();
    await waitFor('the stream line', () => linesOf('stream-1').length > 0);
    expect(linesOf('stream-1')).toEqual([expect.objectContaining({ msg: 'request', url: '/test-only/stream', status: 200, stream: true })]);
  });

  it('a 5xx line is an error line; a 4xx is info', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope' });
    const [line] = linesOf(res.headers['x-request-id'] as string);
    expect(line).toMatchObject({ status: 404, level: 30 });
  });
});
