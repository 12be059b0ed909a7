/**
 * `/api/projects/:id/webhooks` against a real Postgres: create, list, change and
 * delete a project's outgoing webhooks (the secret sealed with SecretBox and never
 * answered), every bad input a precise 400, other people's projects 403, unknown
 * hooks 404; SSRF: private and loopback URLs refused unless
 * KUBIDU_WEBHOOK_ALLOW_PRIVATE; and the API door's deploys, rollbacks, holds and
 * bad marks queue their events in the outbox (json and Slack bodies), visible as
 * waiting in the deliveries list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let open: TestApp;
let app: FastifyInstance;
let alice: TestUser;
let bob: TestUser;
let projectId: string;
let serviceId: string;
const RECEIVER = 'https://hooks.example.com/kubidu?team=ops';

const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: TestUser, payload?: unknown, on = app) =>
  on.inject({ method, url, headers: who.auth, payload: payload as never });
const hooksUrl = () => `/api/projects/${projectId}/webhooks`;

beforeAll(async () => {
  t = await createTestApp();
  app = t.app;
  open = await createTestApp({ config: loadConfig({ KUBIDU_DATA_DIR: '/nonexistent-kubidu-test', KUBIDU_WEBHOOK_ALLOW_PRIVATE: 'true' }) });
  alice = await registerUser(app);
  bob = await registerUser(app);
  ({ projectId, serviceId } = await createService(app, alice, 'web'));
});

afterAll(async () => {
  await t?.close();
  await open?.close();
});

describe('project webhooks: CRUD', () => {
  it('creates a hook: 201 without the secret; the secret is stored sealed and opens to what was sent; the audit row names only the host', async () => {
    const res = await inject('POST', hooksUrl(), alice, { url: RECEIVER, secret: 'my-signing-secret', events: ['rollback.started', 'hold.set'] });
    expect(res.statusCode, res.body).toBe(201);
    const hook = res.json();
    expect(hook).toMatchObject({ projectId, url: RECEIVER, events: ['rollback.started', 'hold.set'], format: 'json', enabled: true });
    expect(res.body).not.toContain('my-signing-secret');
    const [row] = await t.ds.query(`SELECT secret_encrypted, secret_iv FROM webhooks WHERE id = $1`, [hook.id]);
    expect(row.secret_encrypted).not.toContain('my-signing-secret');
    expect(t.secretBox.open({ valueEncrypted: row.secret_encrypted, valueIv: row.secret_iv })).toBe('my-signing-secret');
    const [audit] = await t.ds.query(`SELECT data FROM audit_logs WHERE action = 'WEBHOOK_CREATED' AND project_id = $1`, [projectId]);
    expect(audit.data).toEqual({ webhookId: hook.id, host: 'hooks.example.com', events: ['rollback.started', 'hold.set'], format: 'json' });
    const list = await inject('GET', hooksUrl(), alice);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((h: { id: string }) => h.id)).toEqual([hook.id]);
    expect(list.body).not.toContain('my-signing-secret');
  });

  it('PATCH changes what it names (a new secret replaces the old one, still never answered); DELETE removes it; then 404 WEBHOOK_NOT_FOUND', async () => {
    const hook = (await inject('POST', hooksUrl(), alice, { url: RECEIVER, secret: 'first-secret', events: ['hold.set'] })).json();
    const patched = await inject('PATCH', `${hooksUrl()}/${hook.id}`, alice, { events: ['deployment.failed'], format: 'slack', secret: 'second-secret', enabled: false });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ id: hook.id, url: RECEIVER, events: ['deployment.failed'], format: 'slack', enabled: false });
    expect(patched.body).not.toContain('second-secret');
    const [row] = await t.ds.query(`SELECT secret_encrypted, secret_iv FROM webhooks WHERE id = $1`, [hook.id]);
    expect(t.secretBox.open({ valueEncrypted: row.secret_encrypted, valueIv: row.secret_iv })).toBe('second-secret');
    expect((await inject('PATCH', `${hooksUrl()}/${hook.id}`, alice, {})).json().code).toBe('VALIDATION_ERROR');
    expect((await inject('DELETE', `${hooksUrl()}/${hook.id}`, alice)).statusCode).toBe(204);
    for (const [m, u] of [
      ['PATCH', `${hooksUrl()}/${hook.id}`],
      ['DELETE', `${hooksUrl()}/${hook.id}`],
      ['GET', `${hooksUrl()}/${hook.id}/deliveries`],
    ] as const) {
      const r = await inject(m, u, alice, m === 'PATCH' ? { enabled: true } : undefined);
      expect(r.statusCode, `${m} ${u}`).toBe(404);
      expect(r.json().code).toBe('WEBHOOK_NOT_FOUND');
    }
  });

  it("another user's project is 403; a hook id of another project is 404 in this one", async () => {
    const mine = (await inject('POST', hooksUrl(), alice, { url: RECEIVER, secret: 'alice-secret', events: ['hold.set'] })).json();
    expect((await inject('GET', hooksUrl(), bob)).statusCode).toBe(403);
    expect((await inject('POST', hooksUrl(), bob, { url: RECEIVER, secret: 'bob-secret1', events: ['hold.set'] })).json().code).toBe('FORBIDDEN');
    const bobs = await createService(app, bob, 'api');
    const r = await inject('PATCH', `/api/projects/${bobs.projectId}/webhooks/${mine.id}`, bob, { enabled: false });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('WEBHOOK_NOT_FOUND');
  });
});

describe('project webhooks: bad input', () => {
  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['an ftp URL', { url: 'ftp://hooks.example.com/x' }, 'WEBHOOK_URL_INVALID', /http:\/\/ or https:\/\//],
    ['a relative URL', { url: '/hooks' }, 'WEBHOOK_URL_INVALID', /absolute/],
    ['credentials in the URL', { url: 'https://u:pw@hooks.example.com/x' }, 'WEBHOOK_URL_INVALID', /user name or password/],
    ['a loopback address', { url: 'http://127.0.0.1:9000/x' }, 'WEBHOOK_URL_INVALID', /private or loopback.*KUBIDU_WEBHOOK_ALLOW_PRIVATE/],
    ['localhost', { url: 'http://localhost/x' }, 'WEBHOOK_URL_INVALID', /private or loopback/],
    ['cloud metadata', { url: 'http://169.254.169.254/latest/meta-data' }, 'WEBHOOK_URL_INVALID', /private or loopback/],
    ['a private network', { url: 'https://10.1.2.3/x' }, 'WEBHOOK_URL_INVALID', /private or loopback/],
    ['IPv6 loopback', { url: 'http://[::1]:8080/x' }, 'WEBHOOK_URL_INVALID', /private or loopback/],
    ['IPv4-mapped IPv6', { url: 'http://[::ffff:127.0.0.1]/x' }, 'WEBHOOK_URL_INVALID', /private or loopback/],
    ['an unknown event', { events: ['deployment.exploded'] }, 'VALIDATION_ERROR', /events/],
    ['no events', { events: [] }, 'VALIDATION_ERROR', /events/],
    ['a short secret', { secret: 'short' }, 'VALIDATION_ERROR', /secret/],
    ['an unknown format', { format: 'xml' }, 'VALIDATION_ERROR', /format/],
    ['an unknown field', { colour: 'red' }, 'VALIDATION_ERROR', /colour/],
  ];
  for (const [what, change, code, message] of bad) {
    it(`${what} is a 400 ${code} naming it, and writes nothing`, async () => {
      const [{ n: before }] = await t.ds.query(`SELECT count(*)::int AS n FROM webhooks`);
      const r = await inject('POST', hooksUrl(), alice, { url: RECEIVER, secret: 'long-enough-secret', events: ['hold.set'], ...change });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().code).toBe(code);
      expect(r.json().message).toMatch(message);
      expect(r.body).not.toContain('pw@');
      const [{ n: after }] = await t.ds.query(`SELECT count(*)::int AS n FROM webhooks`);
      expect(after).toBe(before);
    });
  }

  it('KUBIDU_WEBHOOK_ALLOW_PRIVATE=true lets a loopback receiver in (tests, a LAN install)', async () => {
    const carol = await registerUser(open.app);
    const p = await createService(open.app, carol, 'web');
    const r = await inject('POST', `/api/projects/${p.projectId}/webhooks`, carol, { url: 'http://127.0.0.1:9000/x', secret: 'long-enough-secret', events: ['hold.set'] }, open.app);
    expect(r.statusCode, r.body).toBe(201);
  });
});

describe('events from the API door enter the outbox', () => {
  it('deploys, a rollback (with its hold), a release and bad marks queue their events in order; json and Slack bodies; waiting rows are listed', async () => {
    const { projectId: pid, serviceId: sid } = await createService(app, alice, 'shop');
    const json = (await inject('POST', `/api/projects/${pid}/webhooks`, alice, {
      url: RECEIVER,
      secret: 'json-hook-secret',
      events: ['deployment.started', 'rollback.started', 'hold.set', 'hold.released', 'deployment.marked_bad', 'deployment.unmarked_bad'],
    })).json();
    const slack = (await inject('POST', `/api/projects/${pid}/webhooks`, alice, { url: RECEIVER, secret: 'slack-hook-secret', events: ['rollback.started'], format: 'slack' })).json();
    const v1 = (await deploy(app, alice, sid, { image: 'ghcr.io/acme/shop:1.0.0' })).json();
    const v2 = (await deploy(app, alice, sid, { image: 'ghcr.io/acme/shop:2.0.0' }, { 'x-kubidu-client': 'cli' })).json();
    await setStatus(t.ds, v1.id, 'SUCCESS');
    await setStatus(t.ds, v2.id, 'RUNNING');
    expect((await inject('POST', `/api/deployments/${v2.id}/bad`, alice, { reason: 'checkout 500s' })).statusCode).toBe(200);
    const rb = await inject('POST', `/api/deployments/${v1.id}/rollback`, alice, { reason: 'back to 1.0' });
    expect(rb.statusCode, rb.body).toBe(202);
    expect((await inject('POST', `/api/services/${sid}/release`, alice)).statusCode).toBe(200);
    expect((await inject('DELETE', `/api/deployments/${v2.id}/bad`, alice)).statusCode).toBe(200);
    // A refused request queues nothing: rolling back to the current deployment is a 409.
    expect((await inject('POST', `/api/deployments/${v2.id}/rollback`, alice, {})).statusCode).toBe(409);

    const rows = await t.ds.query(`SELECT event_type, body FROM webhook_outbox WHERE webhook_id = $1 ORDER BY seq`, [json.id]);
    expect(rows.map((r: { event_type: string }) => r.event_type)).toEqual([
      'deployment.started',
      'deployment.started',
      'deployment.marked_bad',
      'hold.set',
      'rollback.started',
      'hold.released',
      'deployment.unmarked_bad',
    ]);
    const bodies = rows.map((r: { body: string }) => JSON.parse(r.body));
    expect(bodies[1]).toMatchObject({ type: 'deployment.started', actor: alice.email, deployment: { id: v2.id, via: 'cli', source: 'API', imageUrl: 'ghcr.io/acme/shop:2.0.0' } });
    expect(bodies[4]).toMatchObject({ type: 'rollback.started', deployment: { id: rb.json().id, source: 'ROLLBACK', rollbackOfId: v1.id, reason: 'back to 1.0' } });
    expect(bodies[2].details).toMatchObject({ reason: 'checkout 500s' });
    const [audit] = await t.ds.query(`SELECT id FROM audit_logs WHERE deployment_id = $1 AND action = 'DEPLOYMENT_ROLLBACK'`, [rb.json().id]);
    expect(bodies[4].id).toBe(audit.id);

    const [s] = await t.ds.query(`SELECT body FROM webhook_outbox WHERE webhook_id = $1`, [slack.id]);
    const sb = JSON.parse(s.body);
    const slug = bodies[4].project.slug;
    expect(sb.text).toBe(`${slug}/shop: rollback ${rb.json().id.slice(0, 8)} to deployment ${v1.id.slice(0, 8)} (ghcr.io/acme/shop:1.0.0) started by ${alice.email} — back to 1.0`);
    expect(sb.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: sb.text } });

    const d = await inject('GET', `/api/projects/${pid}/webhooks/${json.id}/deliveries`, alice);
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().items).toEqual([]);
    expect(d.json().pending.map((p: { eventType: string }) => p.eventType)).toHaveLength(7);
    expect(d.json().pending[0]).toMatchObject({ attempts: 0, eventType: 'deployment.started' });
  });
});
