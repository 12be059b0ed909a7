/**
 * The authorization matrix over EVERY route the API registers (collected with an
 * onRoute hook, so a new route without an entry here fails the first test):
 * no token, a wrong scheme, a malformed token, an expired login token, an
 * expired API token, a non-member's token, each project role (viewer, oncall,
 * deployer, owner) and the owner's rollback-scoped API token each get exactly the
 * expected status, and a 403 the code that says why (not a member, what the role
 * lacks, the token's scope); refused requests write nothing; error bodies never
 * carry the owner's ids, email or slug. Also: the audit log has no route that changes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { SignJWT } from 'jose';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { createTestDatabase } from '../../../test-support/database.js';
import { roleCan, SCOPE_PERMISSIONS, type Permission } from '@kubidu/core/contract/roles';
import { createService, deploy, registerUser, RELAXED_RATE_LIMITS, setStatus, type TestUser } from '../support/app.js';

const jwtSecret = new TextEncoder().encode('matrix-test-secret-of-at-least-32-bytes');
const WEBHOOK_SECRET = 'matrix-webhook-secret';

let app: FastifyInstance;
let ds: DataSource;
let base: string;
const registered: Array<{ method: string; url: string }> = [];

type Identity = 'none' | 'wrongScheme' | 'malformed' | 'expiredJwt' | 'expiredApiToken' | 'other' | Role | 'rollbackToken';
type Role = 'viewer' | 'oncall' | 'deployer' | 'owner';
const ROLES: Role[] = ['viewer', 'oncall', 'deployer', 'owner'];
// Owner last: its successful writes (member changes, token revocation) must not change what others see.
const IDENTITIES: Identity[] = ['none', 'wrongScheme', 'malformed', 'expiredJwt', 'expiredApiToken', 'other', 'viewer', 'oncall', 'deployer', 'rollbackToken', 'owner'];
const ANONYMOUS = { none: 401, wrongScheme: 401, malformed: 401, expiredJwt: 401, expiredApiToken: 401 } as const;

let alice: TestUser;
let bob: TestUser;
/** The project members the role rows act as, and members the owner re-roles and removes. */
const memberOf: Partial<Record<Role, TestUser>> = {};
let carol: TestUser;
let dave: TestUser;
let erin: TestUser;
const headersOf: Partial<Record<Identity, Record<string, string>>> = {};

/** Ids that belong to alice; none may show up in an error answered to anyone else. */
const aliceSecrets: string[] = [];

interface Fixture {
  projectId: string;
  /** Issue 20: a release (project rollback) of alice's, and the time its service 'rel' had r1 live (r2 runs now). */
  releaseId: string;
  releaseAt: string;
  /** Per identity, a service with an earlier healthy deployment to roll back to (each allowed project rollback needs its own). */
  releaseService: Record<string, string>;
  serviceId: string;
  /** Service for the deploy route (fresh, no hold). */
  deployServiceId: string;
  /** SUCCESS deployment, rollback target; its service has B RUNNING. */
  targetId: string;
  /** Per identity, a service with a deploy hold (a rollback was made on it): each allowed release needs its own. */
  heldServiceId: Record<string, string>;
  /** A service with a RUNNING deployment and no hold: its env can be read and changed. */
  envServiceId: string;
  /** SUCCESS deployment to mark bad, and per identity one already marked bad (each allowed unmark needs its own). */
  markId: string;
  markedId: Record<string, string>;
  /** An API token of alice's that the owner row revokes. */
  tokenId: string;
  /** An outgoing webhook of alice's project (changed, its deliveries read), and one the owner row deletes. */
  hookId: string;
  deleteHookId: string;
}
let fx: Fixture;
/** Spare login tokens the sign-out row is sent with, so signing out does not end the tokens the matrix goes on using. */
const SIGN_OUT_AS: Partial<Record<Identity, Record<string, string>>> = {};

interface Req {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}
type Expect = Record<Identity, number>;
interface Entry {
  req: (who: Identity) => Req;
  expect: Expect;
  /** On a project resource: the permission it needs (a role without it gets 403 `ROLE_CANNOT_<PERMISSION>`). */
  perm?: Permission;
}

const PUBLIC = (status: number): Expect => Object.fromEntries(IDENTITIES.map((i) => [i, status])) as Expect;
/**
 * A resource of alice's project needing `perm`: 401 for every bad token, 403 for bob
 * (not a member), `ok` for each role the issue's table gives `perm` and 403 for the
 * others; the owner's rollback-scoped token only reads and rolls back.
 */
const PROJECT = (perm: Permission, ok: number): Pick<Entry, 'expect' | 'perm'> => ({
  perm,
  expect: {
    ...ANONYMOUS,
    other: 403,
    ...(Object.fromEntries(ROLES.map((r) => [r, roleCan(r, perm) ? ok : 403])) as Record<Role, number>),
    rollbackToken: SCOPE_PERMISSIONS.rollback.includes(perm) ? ok : 403,
  },
});
/** Protected, scoped to the caller: bob gets his own view. */
const SELF = (ok: number): Expect => ({ ...ANONYMOUS, ...PUBLIC(ok), ...ANONYMOUS });
/** Scoped to the caller's account and not something a rollback-scoped token may do. */
const ACCOUNT = (ok: number): Expect => ({ ...SELF(ok), rollbackToken: 403 });

const get = (url: string) => () => ({ method: 'GET' as const, url });

function signedPing(): Req {
  const payload = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  const sig = 'sha256=' + createHmac('sha256', WEBHOOK_SECRET).update(payload).digest('hex');
  return {
    method: 'POST',
    url: '/api/webhooks/git',
    payload,
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': sig, 'x-github-delivery': randomUUID() },
  };
}

/** The matrix. Keys are `METHOD url-pattern` exactly as fastify registers them. */
const MATRIX: Record<string, Entry> = {
  'GET /docs': { req: get('/docs'), expect: PUBLIC(200) },
  'GET /docs/static/index.html': { req: get('/docs/static/index.html'), expect: PUBLIC(302) },
  'GET /docs/static/swagger-initializer.js': { req: get('/docs/static/swagger-initializer.js'), expect: PUBLIC(200) },
  'GET /docs/json': { req: get('/docs/json'), expect: PUBLIC(200) },
  'GET /docs/yaml': { req: get('/docs/yaml'), expect: PUBLIC(200) },
  'GET /docs/static/*': { req: get('/docs/static/swagger-ui.css'), expect: PUBLIC(200) },
  // @fastify/cors's preflight catch-all. CORS is closed by default: a preflight is refused, no allow-origin (checked below).
  'OPTIONS *': {
    req: () => ({ method: 'OPTIONS', url: '/api/projects', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }),
    expect: PUBLIC(404),
  },
  'GET /healthz': { req: get('/healthz'), expect: PUBLIC(200) },
  'GET /readyz': { req: get('/readyz'), expect: PUBLIC(200) },
  'POST /api/auth/register': {
    req: () => ({ method: 'POST', url: '/api/auth/register', payload: { email: `m-${randomUUID()}@example.com`, password: 'correct horse battery' } }),
    expect: PUBLIC(201),
  },
  'POST /api/auth/login': {
    req: () => ({ method: 'POST', url: '/api/auth/login', payload: { email: alice.email, password: 'correct horse battery' } }),
    expect: PUBLIC(200),
  },
  'GET /api/me': { req: get('/api/me'), expect: SELF(200) },
  'POST /api/tokens': { req: () => ({ method: 'POST', url: '/api/tokens', payload: { name: 'matrix' } }), expect: ACCOUNT(201) },
  'GET /api/tokens': { req: get('/api/tokens'), expect: SELF(200) },
  // Scoped to the caller: another user's token id is 404 (no hint it exists), the owner revokes it.
  'DELETE /api/tokens/:id': {
    req: () => ({ method: 'DELETE', url: `/api/tokens/${fx.tokenId}` }),
    expect: { ...ACCOUNT(404), owner: 204 },
  },
  // Sign-out ends the caller's login tokens: sent with a spare login of each user (see SIGN_OUT_AS), not the one the matrix goes on using.
  'POST /api/auth/logout': { req: () => ({ method: 'POST', url: '/api/auth/logout' }), expect: ACCOUNT(204) },
  'GET /api/projects': { req: get('/api/projects'), expect: SELF(200) },
  'POST /api/projects': { req: () => ({ method: 'POST', url: '/api/projects', payload: { name: `M ${randomBytes(4).toString('hex')}` } }), expect: ACCOUNT(201) },
  'GET /api/projects/:id': { req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}` }), ...PROJECT('read', 200) },
  'GET /api/projects/:id/members': { req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}/members` }), ...PROJECT('read', 200) },
  'POST /api/projects/:id/members': {
    req: () => ({ method: 'POST', url: `/api/projects/${fx.projectId}/members`, payload: { email: erin.email, role: 'viewer' } }),
    ...PROJECT('manage', 201),
  },
  'PATCH /api/projects/:id/members/:userId': {
    req: () => ({ method: 'PATCH', url: `/api/projects/${fx.projectId}/members/${carol.id}`, payload: { role: 'oncall' } }),
    ...PROJECT('manage', 200),
  },
  'DELETE /api/projects/:id/members/:userId': {
    req: () => ({ method: 'DELETE', url: `/api/projects/${fx.projectId}/members/${dave.id}` }),
    ...PROJECT('manage', 204),
  },
  'POST /api/projects/:id/services': {
    req: () => ({ method: 'POST', url: `/api/projects/${fx.projectId}/services`, payload: { name: `s${randomBytes(3).toString('hex')}` } }),
    ...PROJECT('deploy', 201),
  },
  'GET /api/projects/:id/services': { req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}/services` }), ...PROJECT('read', 200) },
  'GET /api/services/:id': { req: () => ({ method: 'GET', url: `/api/services/${fx.serviceId}` }), ...PROJECT('read', 200) },
  // Issue 20: the automatic-rollback opt-in is a setting (deploy); a project rollback needs rollback, its reads read.
  'PATCH /api/services/:id': { req: () => ({ method: 'PATCH', url: `/api/services/${fx.serviceId}`, payload: { autoRollback: true } }), ...PROJECT('deploy', 200) },
  'GET /api/projects/:id/rollback/preview': {
    req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}/rollback/preview?at=${encodeURIComponent(fx.releaseAt)}&services=rel` }),
    ...PROJECT('read', 200),
  },
  'POST /api/projects/:id/rollback': {
    // Each identity that may roll back gets its own service (a second rollback to the same target is 409).
    req: (who) => ({ method: 'POST', url: `/api/projects/${fx.projectId}/rollback`, payload: { at: fx.releaseAt, services: [fx.releaseService[who]], reason: 'matrix' } }),
    ...PROJECT('rollback', 202),
  },
  'GET /api/projects/:id/releases': { req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}/releases` }), ...PROJECT('read', 200) },
  'GET /api/releases/:id': { req: () => ({ method: 'GET', url: `/api/releases/${fx.releaseId}` }), ...PROJECT('read', 200) },
  'POST /api/services/:id/deployments': {
    req: () => ({ method: 'POST', url: `/api/services/${fx.deployServiceId}/deployments`, payload: { image: 'ghcr.io/acme/web:9.9.9' } }),
    ...PROJECT('deploy', 202),
  },
  'GET /api/services/:id/deployments': { req: () => ({ method: 'GET', url: `/api/services/${fx.serviceId}/deployments` }), ...PROJECT('read', 200) },
  'GET /api/deployments/:id': { req: () => ({ method: 'GET', url: `/api/deployments/${fx.targetId}` }), ...PROJECT('read', 200) },
  'GET /api/deployments/:id/relations': { req: () => ({ method: 'GET', url: `/api/deployments/${fx.targetId}/relations` }), ...PROJECT('read', 200) },
  'GET /api/deployments/:id/diff': { req: () => ({ method: 'GET', url: `/api/deployments/${fx.targetId}/diff` }), ...PROJECT('read', 200) },
  'POST /api/deployments/:id/rollback': {
    req: () => ({ method: 'POST', url: `/api/deployments/${fx.targetId}/rollback`, payload: { reason: 'matrix' } }),
    ...PROJECT('rollback', 202),
  },
  'GET /api/services/:id/env': { req: () => ({ method: 'GET', url: `/api/services/${fx.envServiceId}/env` }), ...PROJECT('read', 200) },
  'PATCH /api/services/:id/env': {
    req: () => ({ method: 'PATCH', url: `/api/services/${fx.envServiceId}/env`, payload: { set: { MATRIX: 'yes' } } }),
    ...PROJECT('deploy', 202),
  },
  'POST /api/services/:id/release': { req: (who) => ({ method: 'POST', url: `/api/services/${fx.heldServiceId[who]}/release` }), ...PROJECT('rollback', 200) },
  'POST /api/deployments/:id/bad': {
    req: () => ({ method: 'POST', url: `/api/deployments/${fx.markId}/bad`, payload: { reason: 'leaks memory' } }),
    ...PROJECT('rollback', 200),
  },
  'DELETE /api/deployments/:id/bad': { req: (who) => ({ method: 'DELETE', url: `/api/deployments/${fx.markedId[who]}/bad` }), ...PROJECT('rollback', 200) },
  'GET /api/services/:id/events': { req: () => ({ method: 'GET', url: `/api/services/${fx.serviceId}/events` }), ...PROJECT('read', 200) },
  'GET /api/projects/:id/webhooks': { req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}/webhooks` }), ...PROJECT('manage', 200) },
  'POST /api/projects/:id/webhooks': {
    req: () => ({ method: 'POST', url: `/api/projects/${fx.projectId}/webhooks`, payload: { url: 'https://hooks.example.com/m', secret: 'matrix-hook-secret', events: ['hold.set'] } }),
    ...PROJECT('manage', 201),
  },
  'PATCH /api/projects/:id/webhooks/:hookId': {
    req: () => ({ method: 'PATCH', url: `/api/projects/${fx.projectId}/webhooks/${fx.hookId}`, payload: { enabled: false } }),
    ...PROJECT('manage', 200),
  },
  'DELETE /api/projects/:id/webhooks/:hookId': {
    req: () => ({ method: 'DELETE', url: `/api/projects/${fx.projectId}/webhooks/${fx.deleteHookId}` }),
    ...PROJECT('manage', 204),
  },
  'GET /api/projects/:id/webhooks/:hookId/deliveries': {
    req: () => ({ method: 'GET', url: `/api/projects/${fx.projectId}/webhooks/${fx.hookId}/deliveries` }),
    ...PROJECT('manage', 200),
  },
  'GET /api/audit': { req: get('/api/audit'), expect: SELF(200) },
  'GET /api/config': { req: get('/api/config'), expect: SELF(200) },
  // Not bearer-authenticated: a forge signs the delivery. Tokens mean nothing here; the owner row is a signed ping.
  'POST /api/webhooks/git': {
    req: (who) => (who === 'owner' ? signedPing() : { method: 'POST', url: '/api/webhooks/git', payload: { ref: 'refs/heads/main' } }),
    expect: { ...PUBLIC(401), owner: 200 },
  },
};

/** The 403 code an identity gets: not a member, what its role lacks, or its token's scope. */
function forbiddenCode(who: Identity, perm: Permission | undefined): string {
  if (who === 'other') return 'FORBIDDEN';
  if (who === 'rollbackToken') return 'TOKEN_SCOPE_ROLLBACK_ONLY';
  return `ROLE_CANNOT_${perm!.toUpperCase()}`;
}

async function writes(): Promise<string> {
  const [r] = await ds.query(`SELECT
    (SELECT count(*) FROM deployments) AS d, (SELECT count(*) FROM audit_logs) AS a, (SELECT count(*) FROM projects) AS p,
    (SELECT count(*) FROM services) AS s, (SELECT count(*) FROM api_tokens) AS t, (SELECT count(*) FROM deploy_holds) AS h,
    (SELECT count(*) FROM deployments WHERE marked_bad_at IS NOT NULL) AS b,
    (SELECT count(*) FROM webhooks) AS w, (SELECT count(*) FROM webhooks WHERE enabled) AS we,
    (SELECT string_agg(user_id || role, ',' ORDER BY user_id) FROM project_members) AS m`);
  return JSON.stringify(r);
}

/** Sends a request; the event stream (never ends on success) is read over a real socket up to its status. */
async function send(r: Req): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  if (r.url.includes('/events')) {
    // Its own socket (no keep-alive pool), destroyed once the status is known.
    return new Promise((resolve, reject) => {
      const req = httpGet(base + r.url, { headers: r.headers, agent: false }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 200) {
          req.destroy();
          return resolve({ status, body: '', headers: res.headers });
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status, body, headers: res.headers }));
      });
      req.on('error', reject);
    });
  }
  const res: LightMyRequestResponse = await app.inject({
    method: r.method,
    url: r.url,
    headers: r.headers,
    payload: typeof r.payload === 'string' ? r.payload : (r.payload as never),
  });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  app = buildApp({
    ds,
    secretBox: new SecretBox(randomBytes(32)),
    jwtSecret,
    config: loadConfig({ KUBIDU_WEBHOOK_SECRET: WEBHOOK_SECRET }),
    logger: false,
    eventsPingMs: 60_000,
    // The matrix asks every route many times as several identities; budgets are security-rate-limits.test.ts's.
    rateLimits: RELAXED_RATE_LIMITS,
    // One login per identity row: more than the default ten a minute.
    loginRateLimit: { max: 100, timeWindowMs: 60_000 },
  });
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') registered.push({ method: m, url: r.url });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  alice = await registerUser(app);
  bob = await registerUser(app);
  const { projectId, serviceId } = await createService(app, alice, 'web');
  const a = await deploy(app, alice, serviceId, { image: 'ghcr.io/acme/web:1.0.0', secrets: { S: 'x-secret' } });
  const b = await deploy(app, alice, serviceId, { image: 'ghcr.io/acme/web:2.0.0' });
  await setStatus(ds, a.json().id, 'SUCCESS');
  await setStatus(ds, b.json().id, 'RUNNING');
  const deploySvc = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: alice.auth, payload: { name: 'fresh' } });
  // Each identity that may release a hold or remove a bad mark gets its own (the first success would end the shared one).
  const heldServiceId: Record<string, string> = {};
  const markedId: Record<string, string> = {};
  const marks = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: alice.auth, payload: { name: 'marks' } });
  const m1 = await deploy(app, alice, marks.json().id, { image: 'ghcr.io/acme/marks:1' });
  await setStatus(ds, m1.json().id, 'SUCCESS');
  for (const [n, who] of IDENTITIES.entries()) {
    const held = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: alice.auth, payload: { name: `held-${n}` } });
    heldServiceId[who] = held.json().id as string;
    const h1 = await deploy(app, alice, heldServiceId[who], { image: `ghcr.io/acme/held:${n}.1` });
    const h2 = await deploy(app, alice, heldServiceId[who], { image: `ghcr.io/acme/held:${n}.2` });
    await setStatus(ds, h1.json().id, 'SUCCESS');
    await setStatus(ds, h2.json().id, 'RUNNING');
    const rb = await app.inject({ method: 'POST', url: `/api/deployments/${h1.json().id}/rollback`, headers: alice.auth });
    expect(rb.statusCode, rb.body).toBe(202);
    const m2 = await deploy(app, alice, marks.json().id, { image: `ghcr.io/acme/marks:${n}.2` });
    await setStatus(ds, m2.json().id, 'SUCCESS');
    markedId[who] = m2.json().id;
    const pre = await app.inject({ method: 'POST', url: `/api/deployments/${m2.json().id}/bad`, headers: alice.auth, payload: { reason: 'pre-marked' } });
    expect(pre.statusCode, pre.body).toBe(200);
  }
  // Members: one user per role, a member the owner re-roles (carol), one it removes (dave), an account it adds (erin).
  memberOf.owner = alice;
  for (const role of ['viewer', 'oncall', 'deployer'] as const) memberOf[role] = await registerUser(app);
  [carol, dave, erin] = [await registerUser(app), await registerUser(app), await registerUser(app)];
  for (const [u, role] of [[memberOf.viewer!, 'viewer'], [memberOf.oncall!, 'oncall'], [memberOf.deployer!, 'deployer'], [carol, 'viewer'], [dave, 'viewer']] as const) {
    const add = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/members`, headers: alice.auth, payload: { email: u.email, role } });
    expect(add.statusCode, add.body).toBe(201);
  }
  const envSvc = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: alice.auth, payload: { name: 'envs' } });
  const e1 = await deploy(app, alice, envSvc.json().id, { image: 'ghcr.io/acme/envs:1', env: { A: 'one' } });
  await setStatus(ds, e1.json().id, 'RUNNING');
  // Issue 20: two services with r1 live an hour ago and r2 running now; 'rel0' is rolled back once (the release fixture).
  const releaseAt = new Date(Date.now() - 30 * 60_000).toISOString();
  const rollbackables: string[] = [];
  const releaseService: Record<string, string> = Object.fromEntries(IDENTITIES.map((who, n) => [who, `rel-${n}`]));
  for (const name of ['rel0', 'rel', ...Object.values(releaseService)]) {
    const svc = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: alice.auth, payload: { name } });
    const r1 = await deploy(app, alice, svc.json().id, { image: `ghcr.io/acme/${name}:1` });
    const r2 = await deploy(app, alice, svc.json().id, { image: `ghcr.io/acme/${name}:2` });
    await ds.query(`UPDATE deployments SET status = 'SUCCESS', finished_at = now() - interval '1 hour' WHERE id = $1`, [r1.json().id]);
    await ds.query(`UPDATE deployments SET status = 'RUNNING', finished_at = now() WHERE id = $1`, [r2.json().id]);
    rollbackables.push(svc.json().id);
  }
  const rel0 = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/rollback`, headers: alice.auth, payload: { at: releaseAt, services: ['rel0'] } });
  expect(rel0.statusCode, rel0.body).toBe(202);
  fx = {
    releaseId: rel0.json().id,
    releaseAt,
    releaseService,
    envServiceId: envSvc.json().id,
    projectId,
    serviceId,
    deployServiceId: deploySvc.json().id,
    targetId: a.json().id,
    heldServiceId,
    markId: m1.json().id,
    markedId,
    tokenId: (await app.inject({ method: 'POST', url: '/api/tokens', headers: alice.auth, payload: { name: 'to revoke' } })).json().id,
    ...(await (async () => {
      const hook = (body: Record<string, unknown>) =>
        app.inject({ method: 'POST', url: `/api/projects/${projectId}/webhooks`, headers: alice.auth, payload: { secret: 'matrix-hook-secret', events: ['hold.set'], ...body } });
      return { hookId: (await hook({ url: 'https://hooks.example.com/a' })).json().id, deleteHookId: (await hook({ url: 'https://hooks.example.com/b' })).json().id };
    })()),
  };
  // Spare users, so a sign-out ends none of the tokens the other rows go on using.
  for (const who of ['other', ...ROLES] as const) SIGN_OUT_AS[who] = (await registerUser(app)).auth;
  const [{ slug }] = await ds.query(`SELECT slug FROM projects WHERE id = $1`, [projectId]);
  aliceSecrets.push(alice.id, alice.email, projectId, slug, ...Object.values(fx).flatMap((v): string[] => (typeof v === 'string' ? [v] : Object.values(v))));
  const scoped = await app.inject({ method: 'POST', url: '/api/tokens', headers: alice.auth, payload: { name: 'incident bot', scope: 'rollback' } });
  expect(scoped.statusCode, scoped.body).toBe(201);

  const expiredJwt = await new SignJWT({ email: alice.email })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(alice.id)
    .setIssuer('kubidu')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(jwtSecret);
  const tok = await app.inject({ method: 'POST', url: '/api/tokens', headers: alice.auth, payload: { name: 'soon expired', expiresInDays: 1 } });
  await ds.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [tok.json().id]);
  Object.assign(headersOf, {
    none: {},
    wrongScheme: { authorization: `Basic ${Buffer.from(`${alice.email}:correct horse battery`).toString('base64')}` },
    malformed: { authorization: 'Bearer not.a.jwt' },
    expiredJwt: { authorization: `Bearer ${expiredJwt}` },
    expiredApiToken: { authorization: `Bearer ${tok.json().token}` },
    other: bob.auth,
    viewer: memberOf.viewer!.auth,
    oncall: memberOf.oncall!.auth,
    deployer: memberOf.deployer!.auth,
    rollbackToken: { authorization: `Bearer ${scoped.json().token}` },
    owner: alice.auth,
  });
});

afterAll(async () => {
  await app?.close();
  await ds?.destroy();
});

describe('authorization matrix', () => {
  it('has exactly one entry for every registered route', () => {
    const keys = registered.map((r) => `${r.method} ${r.url}`);
    expect(new Set(keys).size).toBe(keys.length);
    const missing = keys.filter((k) => !(k in MATRIX));
    expect(missing, 'routes without a matrix entry').toEqual([]);
    const stale = Object.keys(MATRIX).filter((k) => !keys.includes(k));
    expect(stale, 'matrix entries for routes that do not exist').toEqual([]);
  });

  it('every registered route is in the OpenAPI document, with its method', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(registered.filter((r) => r.url.startsWith('/api/')).length).toBeGreaterThanOrEqual(15); // the hook saw the routes
    const missing = registered
      .filter((r) => /^\/(api|healthz|readyz)/.test(r.url))
      .map((r) => ({ path: r.url.replace(/:([A-Za-z]+)/g, '{$1}'), method: r.method.toLowerCase() }))
      .filter((r) => !doc.paths[r.path]?.[r.method])
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing, 'routes the OpenAPI document does not describe').toEqual([]);
  });

  it('every identity gets exactly the expected status on every route; refusals write nothing and leak nothing', async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const who of IDENTITIES) {
      for (const [key, entry] of Object.entries(MATRIX)) {
        const r = entry.req(who);
        const identity = key === 'POST /api/auth/logout' ? (SIGN_OUT_AS[who] ?? headersOf[who]) : headersOf[who];
        r.headers = { ...(r.headers ?? {}), ...(key === 'POST /api/webhooks/git' ? {} : identity) };
        if (key === 'POST /api/webhooks/git' && who !== 'owner') Object.assign(r.headers, headersOf[who]);
        const before = entry.expect[who] >= 400 ? await writes() : '';
        const res = await send(r);
        got.push(`${who} ${key} → ${res.status}`);
        if (key === 'OPTIONS *') expect(res.headers['access-control-allow-origin'], 'CORS must stay closed').toBeUndefined();
        want.push(`${who} ${key} → ${entry.expect[who]}`);
        if (res.status >= 400) {
          const body = JSON.parse(res.body);
          expect(typeof body.code, `${who} ${key}`).toBe('string');
          if (res.status === 401) expect(body.code).toBe('UNAUTHORIZED');
          if (res.status === 403) expect(body.code, `${who} ${key}`).toBe(forbiddenCode(who, entry.perm));
          if (who !== 'owner') for (const s of aliceSecrets) expect(res.body, `${who} ${key} leaks ${s}`).not.toContain(s);
          if (before) expect(await writes(), `${who} ${key} wrote something`).toBe(before);
        }
      }
    }
    expect(got).toEqual(want);
  });

  it('the query-string token of the event stream obeys the same rules', async () => {
    const url = (t: string) => `/api/services/${fx.serviceId}/events?access_token=${encodeURIComponent(t)}`;
    expect((await send({ method: 'GET', url: url('not.a.jwt') })).status).toBe(401);
    expect((await send({ method: 'GET', url: url(headersOf.expiredJwt!.authorization.slice(7)) })).status).toBe(401);
    const other = await send({ method: 'GET', url: url(bob.token) });
    expect(other.status).toBe(403);
    for (const s of aliceSecrets) expect(other.body).not.toContain(s);
    expect((await send({ method: 'GET', url: url(alice.token) })).status).toBe(200);
  });
});

describe('the audit log through the API', () => {
  it('no route updates or deletes it; trying is a 404 and changes nothing', async () => {
    const auditRoutes = registered.filter((r) => r.url.startsWith('/api/audit'));
    expect(auditRoutes.map((r) => r.method)).toEqual(['GET']);
    const [{ n: before }] = await ds.query(`SELECT count(*)::int AS n FROM audit_logs`);
    const [{ id }] = await ds.query(`SELECT id FROM audit_logs ORDER BY seq LIMIT 1`);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      for (const url of ['/api/audit', `/api/audit/${id}`]) {
        const res = await app.inject({ method, url, headers: alice.auth, payload: method === 'DELETE' ? undefined : { action: 'X' } });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json().code).toBe('ROUTE_NOT_FOUND');
      }
    }
    const [{ n: after }] = await ds.query(`SELECT count(*)::int AS n FROM audit_logs`);
    expect(after).toBe(before);
    // And the database refuses it too (the initial migration's trigger), whatever the client.
    await expect(ds.query(`WITH u AS (UPDATE audit_logs SET action = 'X' WHERE id = $1 RETURNING 1) SELECT count(*) FROM u`, [id])).rejects.toThrow(/append-only/);
    await expect(ds.query(`WITH d AS (DELETE FROM audit_logs WHERE id = $1 RETURNING 1) SELECT count(*) FROM d`, [id])).rejects.toThrow(/append-only/);
  });
});
