/**
 * Issue 16.8 and 16.13, over a real socket with the real request log:
 * - a token in the query string never reaches the log, however its name is
 *   spelled (`access%5Ftoken`, `ACCESS_TOKEN`, `%61ccess_token`);
 * - event streams are capped per user (429 beyond) and end when the token that
 *   opened them expires, is revoked (DELETE /api/tokens/:id) or signed out.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createService, createTestApp, registerUser, type TestApp, type TestUser } from '../support/app.js';
import { waitFor } from '../../../test-support/wait.js';

const MAX_STREAMS = 3;
const jwtSecret = randomBytes(32);
let t: TestApp;
let base: string;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

beforeAll(async () => {
  t = await createTestApp({
    jwtSecret,
    eventsPollMs: 100,
    eventsPingMs: 200,
    eventsAuthCheckMs: 100,
    eventsMaxStreamsPerUser: MAX_STREAMS,
    logger: { level: 'info', stream: logStream },
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
afterAll(async () => t?.close());

/** Opens a stream; resolves once `: connected` arrived. `ended` resolves when the server ends it. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  if (res.status !== 200) return { res, close: () => ac.abort(), ended: Promise.resolve('') };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(': connected')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      return `${text}\n(aborted)`;
    }
  })();
  return { res, close: () => ac.abort(), ended };
}

/** Resolves to 'open' if `ended` did not settle within `ms`. */
const stillOpenAfter = (ended: Promise<string>, ms: number) =>
  Promise.race([ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), ms))]);

describe('a token in the query string never reaches the log (16.8)', () => {
  it('every spelling of access_token authenticates or not, and is redacted either way', async () => {
    const alice = await registerUser(t.app);
    const { serviceId } = await createService(t.app, alice);
    const jwt = alice.token;
    const spellings = ['access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'ACCESS_TOKEN', 'access_token', 'Access%5FToken'];
    for (const name of spellings) {
      const s = await openStream(`${base}/api/services/${serviceId}/events?${name}=${encodeURIComponent(jwt)}`);
      // The percent-encoded lower-case names are the same parameter once decoded: they authenticate.
      if (['access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'access_token'].includes(name)) expect(s.res.status, name).toBe(200);
      s.close();
      await s.ended;
    }
    // A route that takes no query string logs its url too.
    await fetch(`${base}/api/projects?access%5Ftoken=${encodeURIComponent(jwt)}`, { headers: alice.auth });
    await waitFor('request lines logged', () => logLines.join(''), { until: (s) => s.split(`/api/services/${serviceId}/events`).length > spellings.length, intervalMs: 20 });
    const log = logLines.join('');
    expect(log).toContain('[redacted]');
    expect(log).not.toContain(jwt);
    expect(log).not.toContain(jwt.split('.')[2]);
  });
});

describe('event streams are capped per user and end with their token (16.13)', () => {
  it(`a user may hold ${MAX_STREAMS} streams; one more is 429 with Retry-After; others are not affected; closing one frees a slot`, async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const a = await createService(t.app, alice);
    const b = await createService(t.app, bob);
    const url = (id: string) => `${base}/api/services/${id}/events`;
    const open = [];
    for (let i = 0; i < MAX_STREAMS; i++) open.push(await openStream(url(a.serviceId), alice.auth));
    for (const s of open) expect(s.res.status).toBe(200);
    const over = await fetch(url(a.serviceId), { headers: alice.auth });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(await over.json()).toMatchObject({ code: 'RATE_LIMITED', data: { limit: MAX_STREAMS } });
    const bobs = await openStream(url(b.serviceId), bob.auth);
    expect(bobs.res.status).toBe(200);
    open[0].close();
    await open[0].ended;
    await waitFor('a slot frees', async () => {
      const again = await openStream(url(a.serviceId), alice.auth);
      again.close();
      await again.ended;
      return again.res.status;
    }, { until: (s) => s === 200, intervalMs: 50 });
    for (const s of [...open.slice(1), bobs]) s.close();
  });

  it('revoking the API token that opened a stream ends it', async () => {
    const alice = await registerUser(t.app);
    const { serviceId } = await createService(t.app, alice);
    const minted = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: alice.auth, payload: { name: 'ci' } });
    expect(minted.statusCode).toBe(201);
    const s = await openStream(`${base}/api/services/${serviceId}/events`, { authorization: `Bearer ${minted.json().token}` });
    expect(s.res.status).toBe(200);
    expect(await stillOpenAfter(s.ended, 400)).toBe('open');
    const del = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${minted.json().id}`, headers: alice.auth });
    expect(del.statusCode).toBe(204);
    const text = await s.ended;
    expect(text).toContain('event: end');
    expect(text).not.toContain('(aborted)');
  });

  it('signing out ends the login token’s streams', async () => {
    const alice = await registerUser(t.app);
    const { serviceId } = await createService(t.app, alice);
    // A login token issued in an earlier millisecond than the sign-out.
    const s = await openStream(`${base}/api/services/${serviceId}/events?access_token=${encodeURIComponent(alice.token)}`);
    expect(s.res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: alice.auth });
    expect(out.statusCode).toBe(204);
    expect(await s.ended).toContain('event: end');
  });

  it('a stream ends when its token expires', async () => {
    const alice = await registerUser(t.app);
    const { serviceId } = await createService(t.app, alice);
    const now = Date.now();
    const shortLived = await new SignJWT({ email: alice.email, iatMs: now })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(alice.id)
      .setIssuer('kubidu')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 2)
      .sign(jwtSecret);
    const s = await openStream(`${base}/api/services/${serviceId}/events`, { authorization: `Bearer ${shortLived}` });
    expect(s.res.status).toBe(200);
    const text = await s.ended;
    expect(text).toContain('event: end');
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(now / 1000) * 1000 + 2000);
  });
});
