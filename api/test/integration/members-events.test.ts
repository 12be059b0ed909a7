/**
 * Issue 17: removing a member takes effect on their next request, and an event
 * stream they already hold open counts — the stream checks access again before
 * each write, so after removal it ends instead of delivering the next change.
 * Real Postgres, the API listening on a real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { createService, createTestApp, deploy, registerUser, type TestApp, type TestUser } from '../support/app.js';
import { waitFor } from '../../../test-support/wait.js';

let t: TestApp;
let base: string;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;
let serviceId: string;

beforeAll(async () => {
  t = await createTestApp({ eventsPollMs: 100, eventsPingMs: 60_000 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  owner = await registerUser(t.app);
  viewer = await registerUser(t.app);
  ({ projectId, serviceId } = await createService(t.app, owner, 'web'));
  const add = await t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/members`, headers: owner.auth, payload: { email: viewer.email, role: 'viewer' } });
  expect(add.statusCode, add.body).toBe(201);
});

afterAll(async () => t?.close());

/** Opens the event stream as `user`; collects what arrives and whether the server ended it. */
function openStream(user: TestUser) {
  const state = { status: 0, text: '', ended: false, res: null as IncomingMessage | null };
  const req = httpGet(`${base}/api/services/${serviceId}/events`, { headers: user.auth, agent: false }, (res) => {
    state.status = res.statusCode ?? 0;
    state.res = res;
    res.setEncoding('utf8');
    res.on('data', (c: string) => (state.text += c));
    res.on('end', () => (state.ended = true));
  });
  req.on('error', () => (state.ended = true));
  return { state, close: () => req.destroy() };
}

describe('event stream and membership', () => {
  it('a member hears changes; once removed, the open stream ends before the next change reaches them', async () => {
    const stream = openStream(viewer);
    try {
      await waitFor('connected', () => stream.state.text.includes(': connected') || null);
      expect(stream.state.status).toBe(200);
      // The stream's poller takes a baseline first; a row made before it is not a change. Deploy until one is heard.
      const made: string[] = [];
      await waitFor('a change heard', async () => {
        made.push((await deploy(t.app, owner, serviceId, { image: `ghcr.io/acme/web:1.0.${made.length}` })).json().id);
        await new Promise((r) => setTimeout(r, 300));
        return made.some((id) => stream.state.text.includes(id)) || null;
      });

      const del = await t.app.inject({ method: 'DELETE', url: `/api/projects/${projectId}/members/${viewer.id}`, headers: owner.auth });
      expect(del.statusCode, del.body).toBe(204);
      const second = await deploy(t.app, owner, serviceId, { image: 'ghcr.io/acme/web:2.0.0' });
      await waitFor('stream ended', () => stream.state.ended || null);
      expect(stream.state.text).not.toContain(second.json().id);
    } finally {
      stream.close();
    }
    const again = openStream(viewer);
    try {
      await waitFor('refused', () => again.state.ended || null);
      expect(again.state.status).toBe(403);
    } finally {
      again.close();
    }
  });
});
