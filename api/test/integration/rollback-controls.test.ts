/**
 * Issue 10 through the HTTP API on a real Postgres: the deploy hold a rollback
 * puts in force, bad marks, image-only / config-only rollbacks (and their diff),
 * the rollback reason in the audit row, and the door / client of every row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
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

/** A service with A (SUCCESS: v1, A env, 2 replicas) and B (RUNNING, current: v2, B env, 1 replica). */
async function history(owner = alice) {
  const { serviceId, projectId } = await createService(t.app, owner);
  const a = await deploy(t.app, owner, serviceId, { image: 'ghcr.io/acme/web:1.0.0', env: { MODE: 'a', ONLY_A: '1' }, secrets: { S: 'sa' }, replicas: 2, commitSha: 'aaaa111' });
  const b = await deploy(t.app, owner, serviceId, { image: 'ghcr.io/acme/web:2.0.0', env: { MODE: 'b' }, secrets: { S: 'sb' }, replicas: 1, commitSha: 'bbbb222' });
  expect(a.statusCode).toBe(202);
  expect(b.statusCode).toBe(202);
  await setStatus(t.ds, a.json().id, 'SUCCESS');
  await setStatus(t.ds, b.json().id, 'RUNNING');
  return { serviceId, projectId, a: a.json().id as string, b: b.json().id as string };
}

const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, user: TestUser, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers: { ...user.auth, ...headers }, payload: payload as never });
const rollback = (id: string, user: TestUser, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  inject('POST', `/api/deployments/${id}/rollback`, user, body, headers);
const list = async (serviceId: string, user = alice) => (await inject('GET', `/api/services/${serviceId}/deployments`, user)).json();
const audits = (deploymentId: string, action: string) =>
  t.ds.query(`SELECT actor, data FROM audit_logs WHERE deployment_id = $1 AND action = $2 ORDER BY seq`, [deploymentId, action]);
const envOf = async (id: string) =>
  (await inject('GET', `/api/deployments/${id}`, alice)).json().env.map((e: { key: string; value: string | null }) => `${e.key}=${e.value}`);

describe('deploy hold after a rollback', () => {
  it('holds new deploys with 409 DEPLOY_HELD saying how to release, until a person releases it', async () => {
    const { serviceId, a } = await history();
    const rb = await rollback(a, alice, { reason: 'v2 broke checkout' });
    expect(rb.statusCode).toBe(202);
    const rbId = rb.json().id;

    const before = await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]);
    const held = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:3.0.0' });
    expect(held.statusCode).toBe(409);
    expect(held.json()).toMatchObject({ code: 'DEPLOY_HELD', data: { rollbackId: rbId, heldBy: alice.email } });
    expect(held.json().message).toContain('rollback');
    expect(held.json().message).toContain('kubidu release');
    expect(held.json().message).toContain('--override-hold');
    const after = await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]);
    expect(after[0].n).toBe(before[0].n);

    // Visible in history and audited.
    const page = await list(serviceId);
    expect(page.hold).toMatchObject({ serviceId, rollbackId: rbId, heldBy: alice.email, reason: 'v2 broke checkout' });
    expect(await audits(rbId, 'DEPLOY_HOLD_SET')).toEqual([
      { actor: alice.email, data: { rollbackId: rbId, targetId: a, reason: 'v2 broke checkout', previousRollbackId: null } },
    ]);

    // Someone else cannot release it.
    const foreign = await inject('POST', `/api/services/${serviceId}/release`, bob);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().code).toBe('FORBIDDEN');

    const released = await inject('POST', `/api/services/${serviceId}/release`, alice);
    expect(released.statusCode).toBe(200);
    expect(released.json().released).toMatchObject({ rollbackId: rbId, heldBy: alice.email });
    expect((await audits(rbId, 'DEPLOY_HOLD_RELEASED'))[0]).toMatchObject({ actor: alice.email, data: { rollbackId: rbId, heldBy: alice.email } });
    expect((await list(serviceId)).hold).toBeNull();

    const again = await inject('POST', `/api/services/${serviceId}/release`, alice);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('DEPLOY_NOT_HELD');

    const ok = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:3.0.0' });
    expect(ok.statusCode).toBe(202);
    expect(ok.json().holdOverridden).toBe(false);
  });

  it('an explicit override deploys through the hold, is marked and audited, and the hold stays', async () => {
    const { serviceId, a } = await history();
    const rbId = (await rollback(a, alice)).json().id;
    const res = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:hotfix', override: true, reason: 'hotfix on top' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ holdOverridden: true, door: 'api' });
    expect(await audits(res.json().id, 'DEPLOY_HOLD_OVERRIDDEN')).toEqual([
      { actor: alice.email, data: { rollbackId: rbId, heldBy: alice.email, imageUrl: 'ghcr.io/acme/web:hotfix', reason: 'hotfix on top', via: 'api' } },
    ]);
    expect((await list(serviceId)).hold).toMatchObject({ rollbackId: rbId });
    expect((await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:4' })).json().code).toBe('DEPLOY_HELD');
    // `override` is a boolean, strictly.
    const bad = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:4', override: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_ERROR');
  });

  it('a second rollback moves the hold to itself; an idempotent replay of a deploy accepted before the hold still replays', async () => {
    const { serviceId, a, b } = await history();
    const key = randomUUID();
    const early = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:2.1.0' }, { 'idempotency-key': key });
    await setStatus(t.ds, early.json().id, 'CANCELLED');
    const first = (await rollback(a, alice)).json().id;
    await setStatus(t.ds, first, 'RUNNING');
    await setStatus(t.ds, b, 'SUCCESS');
    const second = (await rollback(b, alice)).json().id;
    expect((await list(serviceId)).hold.rollbackId).toBe(second);
    expect((await audits(second, 'DEPLOY_HOLD_SET'))[0].data.previousRollbackId).toBe(first);
    const replay = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:2.1.0' }, { 'idempotency-key': key });
    expect(replay.statusCode).toBe(202);
    expect(replay.json().id).toBe(early.json().id);
  });
});

describe('bad marks', () => {
  it('a bad deployment is no rollback target and its image cannot be deployed, until unmarked', async () => {
    const { serviceId, a } = await history();
    const mark = await inject('POST', `/api/deployments/${a}/bad`, alice, { reason: 'leaks memory' });
    expect(mark.statusCode).toBe(200);
    expect(mark.json()).toMatchObject({ id: a, canRollback: false, bad: { reason: 'leaks memory', by: alice.email } });
    const listed = (await list(serviceId)).items.find((d: { id: string }) => d.id === a);
    expect(listed).toMatchObject({ canRollback: false, bad: { reason: 'leaks memory' } });

    const rb = await rollback(a, alice);
    expect(rb.statusCode).toBe(400);
    expect(rb.json()).toMatchObject({ code: 'ROLLBACK_TARGET_BAD', data: { reason: 'leaks memory' } });
    const redeploy = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1.0.0' });
    expect(redeploy.statusCode).toBe(409);
    expect(redeploy.json()).toMatchObject({ code: 'IMAGE_MARKED_BAD', data: { deploymentId: a } });
    // Another tag of the same repository is a different image.
    await setStatus(t.ds, (await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1.0.1' })).json().id, 'CANCELLED');

    const unmark = await inject('DELETE', `/api/deployments/${a}/bad`, alice);
    expect(unmark.statusCode).toBe(200);
    expect(unmark.json()).toMatchObject({ bad: null, canRollback: true });
    expect((await audits(a, 'DEPLOYMENT_MARKED_BAD'))[0]).toMatchObject({ actor: alice.email, data: { reason: 'leaks memory', imageUrl: 'ghcr.io/acme/web:1.0.0' } });
    expect((await audits(a, 'DEPLOYMENT_UNMARKED_BAD'))[0]).toMatchObject({ actor: alice.email, data: { reason: 'leaks memory' } });
    expect((await rollback(a, alice)).statusCode).toBe(202);

    const twice = await inject('DELETE', `/api/deployments/${a}/bad`, alice);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('DEPLOYMENT_NOT_BAD');
  });

  it('needs a reason, and only the owner may mark', async () => {
    const { a } = await history();
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(1001) }]) {
      const res = await inject('POST', `/api/deployments/${a}/bad`, alice, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    const foreign = await inject('POST', `/api/deployments/${a}/bad`, bob, { reason: 'mine now' });
    expect(foreign.statusCode).toBe(403);
    expect((await inject('POST', `/api/deployments/${randomUUID()}/bad`, alice, { reason: 'r' })).json().code).toBe('DEPLOYMENT_NOT_FOUND');
    expect((await inject('GET', `/api/deployments/${a}`, alice)).json().bad).toBeNull();
  });
});

describe('rollback --only', () => {
  it('image only: the target image with the current env and settings; config only: the current image with the target env and settings', async () => {
    const { serviceId, a, b } = await history();
    const img = await rollback(a, alice, { only: 'image', reason: 'image only please' });
    expect(img.statusCode).toBe(202);
    expect(img.json()).toMatchObject({
      imageUrl: 'ghcr.io/acme/web:1.0.0',
      commitSha: 'aaaa111',
      replicas: 1,
      rollbackFromId: a,
      rollbackOnly: 'image',
      commitMessage: `Rollback to ${a.slice(0, 8)} (image only)`,
      door: 'rollback',
    });
    expect(await envOf(img.json().id)).toEqual(['MODE=b', 'S=null']);
    const [imgSecret] = await t.ds.query(`SELECT value_encrypted, value_iv FROM environment_variables WHERE deployment_id = $1 AND key = 'S'`, [img.json().id]);
    expect(t.secretBox.open({ valueEncrypted: imgSecret.value_encrypted, valueIv: imgSecret.value_iv })).toBe('sb');
    expect((await audits(img.json().id, 'DEPLOYMENT_ROLLBACK'))[0].data).toMatchObject({ targetId: a, only: 'image', reason: 'image only please' });
    await setStatus(t.ds, img.json().id, 'CANCELLED');

    const cfg = await rollback(a, alice, { only: 'config' });
    expect(cfg.statusCode).toBe(202);
    expect(cfg.json()).toMatchObject({ imageUrl: 'ghcr.io/acme/web:2.0.0', commitSha: 'bbbb222', replicas: 2, rollbackOnly: 'config' });
    expect(await envOf(cfg.json().id)).toEqual(['MODE=a', 'ONLY_A=1', 'S=null']);
    expect((await list(serviceId)).items[0]).toMatchObject({ id: cfg.json().id, rollbackOnly: 'config' });
    expect(b).toBeTruthy();
  });

  it('the diff takes the same choice', async () => {
    const { a } = await history();
    const diff = async (q: string) => (await inject('GET', `/api/deployments/${a}/diff${q}`, alice)).json();
    const whole = await diff('');
    expect(whole.only).toBeNull();
    expect(whole.fields.map((f: { field: string }) => f.field)).toEqual(['image', 'replicas']);
    expect(whole.env).toEqual({ added: [{ key: 'ONLY_A', isSecret: false }], removed: [], changed: [{ key: 'MODE', isSecret: false }, { key: 'S', isSecret: true }] });
    const image = await diff('?only=image');
    expect(image).toMatchObject({ only: 'image', fields: [{ field: 'image', from: 'ghcr.io/acme/web:2.0.0', to: 'ghcr.io/acme/web:1.0.0' }] });
    expect(image.env).toEqual({ added: [], removed: [], changed: [] });
    const config = await diff('?only=config');
    expect(config).toMatchObject({ only: 'config', fields: [{ field: 'replicas', from: 1, to: 2 }] });
    expect(config.env).toEqual(whole.env);
    const wrong = await inject('GET', `/api/deployments/${a}/diff?only=everything`, alice);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('VALIDATION_ERROR');
  });

  it('refuses an unknown choice and a partial rollback without a current deployment', async () => {
    const { a, b } = await history();
    const wrong = await rollback(a, alice, { only: 'env' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('VALIDATION_ERROR');
    await setStatus(t.ds, b, 'FAILED');
    const none = await rollback(a, alice, { only: 'image' });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ code: 'NO_CURRENT_DEPLOYMENT', data: { only: 'image' } });
    // A whole rollback needs no current deployment.
    expect((await rollback(a, alice)).statusCode).toBe(202);
  });

  it('an Idempotency-Key reused with another choice is 409 CONFLICT; the same choice replays', async () => {
    const { a } = await history();
    const key = randomUUID();
    const first = await rollback(a, alice, { only: 'image' }, { 'idempotency-key': key });
    expect((await rollback(a, alice, { only: 'image' }, { 'idempotency-key': key })).json().id).toBe(first.json().id);
    const other = await rollback(a, alice, { only: 'config' }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('CONFLICT');
  });
});

describe('one history across doors', () => {
  it('records the client from X-Kubidu-Client and labels every row with its door', async () => {
    const { serviceId, a } = await history();
    const page1 = await list(serviceId);
    expect(page1.items.map((d: { door: string; via: string }) => [d.door, d.via])).toEqual([['api', 'api'], ['api', 'api']]);
    const rb = await rollback(a, alice, { reason: 'from the terminal' }, { 'x-kubidu-client': 'cli' });
    expect(rb.json()).toMatchObject({ door: 'rollback', via: 'cli', reason: 'from the terminal' });
    await inject('POST', `/api/services/${serviceId}/release`, alice);
    const cli = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:5' }, { 'x-kubidu-client': 'cli' });
    expect(cli.json()).toMatchObject({ door: 'cli', via: 'cli' });
    const unknown = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:6' }, { 'x-kubidu-client': 'curl' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('VALIDATION_ERROR');

    // A `git revert` of the rollback, as the controller's importer records it.
    const [git] = await t.ds.query(
      `INSERT INTO deployments (service_id, status, source, image_url, port, replicas, rollback_from_id, reverts_deployment_id, actor, manifests_commit_sha, warning)
       VALUES ($1, 'QUEUED', 'GIT', 'ghcr.io/acme/web:2.0.0', 8080, 1, $2, $3, 'Ops <ops@example.com>', 'deadbeefcafe', 'secret S could not be matched') RETURNING id`,
      [serviceId, a, rb.json().id],
    );
    const items = (await list(serviceId)).items;
    expect(items[0]).toMatchObject({ id: git.id, door: 'git', via: null, revertsDeploymentId: rb.json().id, revertsSource: 'ROLLBACK', actor: 'Ops <ops@example.com>', warning: 'secret S could not be matched' });
    expect(items.map((d: { door: string }) => d.door)).toEqual(['git', 'cli', 'rollback', 'api', 'api']);
  });
});
