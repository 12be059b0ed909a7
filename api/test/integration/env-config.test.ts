/**
 * Config persists across deploys (issue 15.3) and messages are never cut
 * (15.4), through the API against a real Postgres: a deploy changes only what it
 * names, PATCH /api/services/:id/env changes env as a new deployment of the
 * current image, and a long reason never cuts DEPLOY_HELD's instructions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, user: TestUser, payload?: unknown) =>
  t.app.inject({ method, url, headers: user.auth, payload: payload as never });
const patchEnv = (serviceId: string, body: unknown, user = alice) => inject('PATCH', `/api/services/${serviceId}/env`, user, body);
/** `KEY=value` (secrets `KEY=(secret)`) of a deployment, from the API's detail. */
const envOf = async (id: string): Promise<string[]> =>
  (await inject('GET', `/api/deployments/${id}`, alice)).json().env.map((e: { key: string; value: string | null; isSecret: boolean }) =>
    `${e.key}=${e.isSecret ? '(secret)' : e.value}`,
  );
const sealed = (id: string) =>
  t.ds.query(`SELECT key, value_encrypted AS v, value_iv AS iv, is_secret AS s FROM environment_variables WHERE deployment_id = $1 ORDER BY key`, [id]);
const createdAudit = async (id: string) =>
  (await t.ds.query(`SELECT data FROM audit_logs WHERE deployment_id = $1 AND action = 'DEPLOYMENT_CREATED'`, [id]))[0].data;

/** A service whose current (RUNNING) deployment has three plain vars, two secrets and non-default settings. */
async function running(): Promise<{ serviceId: string; v1: string }> {
  const { serviceId } = await createService(t.app, alice);
  const res = await deploy(t.app, alice, serviceId, {
    image: 'ghcr.io/acme/shop:1.0.0',
    env: { LOG_LEVEL: 'info', REGION: 'eu', FEATURE_X: 'on' },
    secrets: { DB_URL: 'postgres://u:p@db/app', API_KEY: 'k-123' },
    port: 3000,
    replicas: 3,
    cpuLimit: '500m',
    memoryLimit: '256Mi',
  });
  expect(res.statusCode).toBe(202);
  await setStatus(t.ds, res.json().id, 'RUNNING');
  return { serviceId, v1: res.json().id };
}

describe('a deploy changes only what it names', () => {
  it('an image-only deploy keeps every variable and secret (as stored) and the settings; the audit lists the kept keys', async () => {
    const { serviceId, v1 } = await running();
    const res = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/shop:1.0.1' });
    expect(res.statusCode).toBe(202);
    const v2 = res.json();
    expect(v2).toMatchObject({ imageUrl: 'ghcr.io/acme/shop:1.0.1', port: 3000, replicas: 3, cpuLimit: '500m', memoryLimit: '256Mi' });
    expect(await envOf(v2.id)).toEqual(['API_KEY=(secret)', 'DB_URL=(secret)', 'FEATURE_X=on', 'LOG_LEVEL=info', 'REGION=eu']);
    // Copied as stored: the same ciphertext and iv, never decrypted and sealed again.
    expect(await sealed(v2.id)).toEqual(await sealed(v1));
    expect(await createdAudit(v2.id)).toMatchObject({
      envKeys: [],
      secretKeys: [],
      unsetKeys: [],
      keptKeys: ['API_KEY', 'DB_URL', 'FEATURE_X', 'LOG_LEVEL', 'REGION'],
      inheritedFrom: v1,
    });
  });

  it('env and secrets in the body are set on top, unset removes, the settings named win', async () => {
    const { serviceId } = await running();
    const res = await deploy(t.app, alice, serviceId, {
      image: 'ghcr.io/acme/shop:1.1.0',
      env: { LOG_LEVEL: 'debug', NEW: 'n' },
      secrets: { REGION: 'now-secret' },
      unset: ['FEATURE_X', 'API_KEY', 'NEVER_SET'],
      replicas: 1,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ port: 3000, replicas: 1, cpuLimit: '500m' });
    expect(await envOf(res.json().id)).toEqual(['DB_URL=(secret)', 'LOG_LEVEL=debug', 'NEW=n', 'REGION=(secret)']);
    expect(await createdAudit(res.json().id)).toMatchObject({
      envKeys: ['LOG_LEVEL', 'NEW'],
      secretKeys: ['REGION'],
      unsetKeys: ['API_KEY', 'FEATURE_X'],
      keptKeys: ['DB_URL'],
    });
  });

  it('"replaceEnv": true makes the body\'s env the whole set', async () => {
    const { serviceId } = await running();
    const res = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/shop:2.0.0', env: { ONLY: '1' }, replaceEnv: true });
    expect(res.statusCode).toBe(202);
    expect(await envOf(res.json().id)).toEqual(['ONLY=1']);
    expect(await createdAudit(res.json().id)).toMatchObject({ keptKeys: [], unsetKeys: ['API_KEY', 'DB_URL', 'FEATURE_X', 'LOG_LEVEL', 'REGION'], replaceEnv: true });
    const empty = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/shop:2.0.1', replaceEnv: true });
    expect(await envOf(empty.json().id)).toEqual([]);
  });

  it('without a RUNNING row it inherits the newest row that reached the repo; a first deploy has only its own', async () => {
    const { serviceId } = await createService(t.app, alice);
    const first = await deploy(t.app, alice, serviceId, { image: 'nginx:1', env: { A: '1' } });
    expect(first.json()).toMatchObject({ port: 8080, replicas: 1 });
    // Still queued (never reached the repo): the next deploy does not inherit from it.
    const second = await deploy(t.app, alice, serviceId, { image: 'nginx:2' });
    expect(await envOf(second.json().id)).toEqual([]);
    await t.ds.query(`UPDATE deployments SET status = 'FAILED', manifests_commit_sha = $2 WHERE id = $1`, [first.json().id, 'a'.repeat(40)]);
    const third = await deploy(t.app, alice, serviceId, { image: 'nginx:3' });
    expect(await envOf(third.json().id)).toEqual(['A=1']);
  });

  it.each([
    [{ image: 'nginx:1', unset: ['A'], env: { A: '1' } }, /^body\/unset names A, which the request also sets$/],
    [{ image: 'nginx:1', unset: ['A'], replaceEnv: true }, /^body\/unset has no meaning with body\/replaceEnv/],
    [{ image: 'nginx:1', unset: ['1BAD'] }, /^body\/unset\/0 must be an environment variable name/],
    [{ image: 'nginx:1', unset: ['A', 'A'] }, /^body\/unset /],
    [{ image: 'nginx:1', replaceEnv: 'yes' }, /^body\/replaceEnv must be of type boolean$/],
  ])('400 VALIDATION_ERROR for %j', async (body, message) => {
    const { serviceId } = await running();
    const res = await deploy(t.app, alice, serviceId, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(res.json().message).toMatch(message);
  });

  it('400 when the inherited and the new keys together exceed 200', async () => {
    const { serviceId } = await createService(t.app, alice);
    const many = (p: string) => Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`${p}${i}`, 'v']));
    const v1 = await deploy(t.app, alice, serviceId, { image: 'nginx:1', env: many('A') });
    await setStatus(t.ds, v1.json().id, 'RUNNING');
    const res = await deploy(t.app, alice, serviceId, { image: 'nginx:2', env: many('B') });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/would have 300 env keys .* at most 200/);
  });
});

describe('PATCH /api/services/:id/env', () => {
  it('202: a new deployment of the current image with the variables set and unset, the rest kept; audited', async () => {
    const { serviceId, v1 } = await running();
    const res = await patchEnv(serviceId, { set: { LOG_LEVEL: 'warn' }, secrets: { TOKEN: 't0p' }, unset: ['REGION'] });
    expect(res.statusCode).toBe(202);
    const row = res.json();
    expect(row).toMatchObject({ status: 'QUEUED', source: 'API', imageUrl: 'ghcr.io/acme/shop:1.0.0', port: 3000, replicas: 3, commitMessage: 'Env change: set LOG_LEVEL, TOKEN; unset REGION' });
    expect(row.id).not.toBe(v1);
    expect(await envOf(row.id)).toEqual(['API_KEY=(secret)', 'DB_URL=(secret)', 'FEATURE_X=on', 'LOG_LEVEL=warn', 'TOKEN=(secret)']);
    expect(await createdAudit(row.id)).toMatchObject({ envKeys: ['LOG_LEVEL'], secretKeys: ['TOKEN'], unsetKeys: ['REGION'], keptKeys: ['API_KEY', 'DB_URL', 'FEATURE_X'] });
    expect(JSON.stringify(await createdAudit(row.id))).not.toContain('t0p');
  });

  it('GET /api/services/:id/env shows the inherited env: plain values, secrets as null', async () => {
    const { serviceId, v1 } = await running();
    const res = await inject('GET', `/api/services/${serviceId}/env`, alice);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      deploymentId: v1,
      env: [
        { key: 'API_KEY', value: null, isSecret: true },
        { key: 'DB_URL', value: null, isSecret: true },
        { key: 'FEATURE_X', value: 'on', isSecret: false },
        { key: 'LOG_LEVEL', value: 'info', isSecret: false },
        { key: 'REGION', value: 'eu', isSecret: false },
      ],
    });
    const { serviceId: fresh } = await createService(t.app, alice);
    expect((await inject('GET', `/api/services/${fresh}/env`, alice)).json()).toEqual({ deploymentId: null, env: [] });
    expect((await inject('GET', `/api/services/${serviceId}/env`, bob)).statusCode).toBe(403);
  });

  it('409 NO_CURRENT_DEPLOYMENT when the service was never deployed; 403 for someone else', async () => {
    const { serviceId } = await createService(t.app, alice);
    const res = await patchEnv(serviceId, { set: { A: '1' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('NO_CURRENT_DEPLOYMENT');
    expect(res.json().message).toMatch(/never been deployed.*deploy an image first/);
    const { serviceId: s2 } = await running();
    expect((await patchEnv(s2, { set: { A: '1' } }, bob)).statusCode).toBe(403);
  });

  it.each([
    [{}, /^body must set or unset at least one variable/],
    [{ set: { A: '1' }, secrets: { A: '2' } }, /^body\/secrets\/A is also given in body\/set/],
    [{ set: { A: '1' }, unset: ['A'] }, /^body\/unset names A/],
    [{ set: { '1BAD': 'x' } }, /^body\/set has a key "1BAD"/],
    [{ set: { A: '\tindented\nsecond line' } }, /^body\/set\/A .*must not start with a tab/],
    [{ secrets: { A: 'nul\u0000byte' } }, /^body\/secrets\/A must be text without NUL/],
    [{ set: { A: '1' }, image: 'nginx:2' }, /^body\/image is not allowed$/],
  ])('400 VALIDATION_ERROR for %j, nothing queued', async (body, message) => {
    const { serviceId } = await running();
    const res = await patchEnv(serviceId, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
    expect(res.json().message).toMatch(message);
    expect((await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]))[0].n).toBe(1);
  });

  it('is a deploy: a rollback\'s hold answers DEPLOY_HELD unless overridden', async () => {
    const { serviceId, v1 } = await running();
    const v2 = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/shop:1.0.1' });
    await setStatus(t.ds, v1, 'SUCCESS');
    await setStatus(t.ds, v2.json().id, 'RUNNING');
    expect((await inject('POST', `/api/deployments/${v1}/rollback`, alice, {})).statusCode).toBe(202);
    expect((await patchEnv(serviceId, { set: { A: '1' } })).json().code).toBe('DEPLOY_HELD');
    const through = await patchEnv(serviceId, { set: { A: '1' }, override: true });
    expect(through.statusCode).toBe(202);
    expect(through.json()).toMatchObject({ holdOverridden: true, imageUrl: 'ghcr.io/acme/shop:1.0.1' });
  });
});

describe('messages are never cut (issue 15.4)', () => {
  it('a DEPLOY_HELD with a 1,000-character reason keeps the full instructions; only the reason is shortened, at a word', async () => {
    const { serviceId, v1 } = await running();
    const v2 = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/shop:1.0.1' });
    await setStatus(t.ds, v1, 'SUCCESS');
    await setStatus(t.ds, v2.json().id, 'RUNNING');
    const reason = Array.from({ length: 200 }, (_, i) => `word${i % 10}`).join(' ').slice(0, 1000);
    expect(reason.length).toBe(1000);
    expect((await inject('POST', `/api/deployments/${v1}/rollback`, alice, { reason })).statusCode).toBe(202);
    const held = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/shop:1.0.2' });
    expect(held.statusCode).toBe(409);
    const { message, data } = held.json();
    expect(message).toMatch(
      /\. Release the hold with `kubidu release` \(POST \/api\/services\/[0-9a-f-]{36}\/release, or the Release button\), or deploy anyway with `kubidu deploy --override-hold` \(body "override": true\)\.$/,
    );
    const quoted = /is in force \((.*)\)\. Release/.exec(message)![1];
    expect(quoted.endsWith('…')).toBe(true);
    expect(Array.from(quoted).length).toBeLessThanOrEqual(200);
    expect(reason.startsWith(quoted.slice(0, -1))).toBe(true);
    expect(quoted.slice(0, -1)).toMatch(/word\d$/);
    expect(reason[quoted.length - 1]).toBe(' ');
    expect(data.reason).toBe(reason);
  });
});
