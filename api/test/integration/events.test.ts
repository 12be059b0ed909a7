import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';
import { waitFor } from '../../../test-support/wait.js';

let t: TestApp;
let base: string;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp({ eventsPollMs: 100, eventsPingMs: 200, logger: { level: 'info', stream: logStream } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

/** Reads SSE text from a fetch body until `done(text)` is true. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for events; got:\n${text}`);
      const { value, done: end } = await reader.read();
      if (end) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}


describe('GET /api/services/:id/events', () => {
  it('streams deployment changes (token in the query for EventSource), pings, and cleans up on disconnect', async () => {
    const { serviceId } = await createService(t.app, alice);
    const first = await deploy(t.app, alice, serviceId, { image: 'nginx:1', secrets: { S: 'never-streamed' } });
    const ac = new AbortController();
    const res = await fetch(`${base}/api/services/${serviceId}/events?access_token=${encodeURIComponent(alice.token)}`, { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = res.body!;
    await readUntil(body, (s) => s.includes(': connected'));
    await waitFor('one subscriber', () => t.app.kubidu.events.subscriberCount, { until: (n) => n === 1, intervalMs: 20 });
    // Let the poller take its baseline before changing anything.
    await new Promise((r) => setTimeout(r, 300));

    await setStatus(t.ds, first.json().id, 'RUNNING');
    const second = await deploy(t.app, alice, serviceId, { image: 'nginx:2' });
    const text = await readUntil(body, (s) => s.includes(second.json().id) && /"status":"RUNNING"/.test(s) && s.includes(': ping'));
    const events = text
      .split('\n\n')
      .filter((b) => b.startsWith('event: deployment'))
      .map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data: '))!.slice(6)));
    expect(events.find((e) => e.id === first.json().id)).toMatchObject({ status: 'RUNNING', isCurrent: true });
    expect(events.find((e) => e.id === second.json().id)).toMatchObject({ status: 'QUEUED', imageUrl: 'nginx:2' });
    expect(text).not.toContain('never-streamed');

    ac.abort();
    await waitFor('no subscriber left', () => t.app.kubidu.events.subscriberCount, { until: (n) => n === 0, intervalMs: 20 });
  });

  it('also accepts the Authorization header; 401 without credentials; 403 for others; 400 for a bad id', async () => {
    const { serviceId } = await createService(t.app, alice);
    const ac = new AbortController();
    const ok = await fetch(`${base}/api/services/${serviceId}/events`, { headers: alice.auth, signal: ac.signal });
    expect(ok.status).toBe(200);
    ac.abort();
    const anon = await fetch(`${base}/api/services/${serviceId}/events`);
    expect(anon.status).toBe(401);
    expect((await anon.json()).code).toBe('UNAUTHORIZED');
    const wrong = await fetch(`${base}/api/services/${serviceId}/events?access_token=nope`);
    expect(wrong.status).toBe(401);
    const other = await fetch(`${base}/api/services/${serviceId}/events?access_token=${bob.token}`);
    expect(other.status).toBe(403);
    const bad = await fetch(`${base}/api/services/nope/events?access_token=${alice.token}`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toBe('params/id must be a uuid');
    await waitFor('no subscriber left', () => t.app.kubidu.events.subscriberCount, { until: (n) => n === 0, intervalMs: 20 });
  });

  it('the query token is accepted only on the event stream', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/me?access_token=${alice.token}` });
    expect(res.statusCode).toBe(401);
  });

  it('keeps tokens out of the request log', async () => {
    const { serviceId } = await createService(t.app, alice);
    const ac = new AbortController();
    const res = await fetch(`${base}/api/services/${serviceId}/events?access_token=${encodeURIComponent(alice.token)}`, { signal: ac.signal });
    expect(res.status).toBe(200);
    ac.abort();
    // The stream's one line is written when it closes.
    await waitFor('the redacted request line in the log', () => logLines.some((l) => l.includes(`/api/services/${serviceId}/events?access_token=[redacted]`)), { intervalMs: 20 });
    const all = logLines.join('');
    expect(all).toContain(`/api/services/${serviceId}/events`);
    expect(all).not.toContain(alice.token);
    expect(all).not.toContain(alice.token.split('.')[2]);
  });
});
