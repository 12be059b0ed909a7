/**
 * Issue 17 through the HTTP API on a real Postgres: project members and roles.
 * The creator is owner and a project keeps one; member changes are audited with
 * actor and project; an oncall member rolls back a deployer's deployment and is
 * the actor everywhere the row records one; a member's 403 names what the role
 * lacks; removal takes effect on the next request; a rollback-scoped token rolls
 * back and nothing more; the migration makes each existing project's owner its
 * owner member.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '@kubidu/core/db/data-source';
import { createEmptyDatabase } from '../../../test-support/postgres.js';
import { adminUrl } from '../../../test-support/database.js';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let owner: TestUser;
let deployer: TestUser;
let oncall: TestUser;
let viewer: TestUser;
let projectId: string;
let serviceId: string;

const inject = (user: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: user.auth, payload: payload as never });

const addMember = (as: TestUser, who: TestUser, role: string) => inject(as, 'POST', `/api/projects/${projectId}/members`, { email: who.email, role });

beforeAll(async () => {
  t = await createTestApp();
  owner = await registerUser(t.app);
  deployer = await registerUser(t.app);
  oncall = await registerUser(t.app);
  viewer = await registerUser(t.app);
  ({ projectId, serviceId } = await createService(t.app, owner, 'web'));
});

afterAll(async () => t?.close());

describe('members', () => {
  it('the creator is the owner; owners add members by email, each change audited with actor and project', async () => {
    const list0 = await inject(owner, 'GET', `/api/projects/${projectId}/members`);
    expect(list0.statusCode).toBe(200);
    expect(list0.json().items).toEqual([{ userId: owner.id, email: owner.email, role: 'owner', addedAt: expect.any(String) }]);

    for (const [u, role] of [[deployer, 'deployer'], [oncall, 'oncall'], [viewer, 'viewer']] as const) {
      const res = await addMember(owner, u, role);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ userId: u.id, email: u.email, role });
    }
    const again = await addMember(owner, viewer, 'oncall');
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ALREADY_MEMBER');
    const nobody = await inject(owner, 'POST', `/api/projects/${projectId}/members`, { email: 'nobody-here@example.com', role: 'viewer' });
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().code).toBe('USER_NOT_FOUND');
    const badRole = await inject(owner, 'POST', `/api/projects/${projectId}/members`, { email: viewer.email, role: 'admin' });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().code).toBe('VALIDATION_ERROR');

    const list = (await inject(viewer, 'GET', `/api/projects/${projectId}/members`)).json().items;
    expect(list.map((m: { role: string }) => m.role)).toEqual(['owner', 'deployer', 'oncall', 'viewer']);

    const audit = await t.ds.query(
      `SELECT action, actor, actor_id, project_id, data FROM audit_logs WHERE action = 'MEMBER_ADDED' ORDER BY seq`,
    );
    expect(audit).toHaveLength(3);
    expect(audit[1]).toMatchObject({ actor: owner.email, actor_id: owner.id, project_id: projectId, data: { userId: oncall.id, email: oncall.email, role: 'oncall' } });
  });

  it('each member sees the project with their role and permissions; GET /api/projects lists shared projects', async () => {
    const mine = (await inject(oncall, 'GET', '/api/projects')).json().items;
    expect(mine).toEqual([expect.objectContaining({ id: projectId, role: 'oncall', permissions: ['read', 'rollback'] })]);
    const svc = (await inject(viewer, 'GET', `/api/services/${serviceId}`)).json();
    expect(svc).toMatchObject({ role: 'viewer', permissions: ['read'] });
    const own = (await inject(owner, 'GET', `/api/projects/${projectId}`)).json();
    expect(own).toMatchObject({ role: 'owner', permissions: ['read', 'rollback', 'deploy', 'manage'] });
  });

  it('only owners manage members: others get 403 ROLE_CANNOT_MANAGE naming the role', async () => {
    const res = await addMember(deployer, viewer, 'owner');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROLE_CANNOT_MANAGE', data: { role: 'deployer', lacks: 'manage' } });
    expect(res.json().message).toMatch(/deployer role cannot manage members/);
    const patch = await inject(viewer, 'PATCH', `/api/projects/${projectId}/members/${viewer.id}`, { role: 'owner' });
    expect(patch.json().code).toBe('ROLE_CANNOT_MANAGE');
  });

  it('an oncall member rolls back a deployer deployment and is the actor on the row, the hold and the audit; it cannot deploy', async () => {
    const a = await deploy(t.app, deployer, serviceId, { image: 'ghcr.io/acme/web:1.0.0' });
    expect(a.statusCode, a.body).toBe(202);
    const b = await deploy(t.app, deployer, serviceId, { image: 'ghcr.io/acme/web:2.0.0' });
    await setStatus(t.ds, a.json().id, 'SUCCESS');
    await setStatus(t.ds, b.json().id, 'RUNNING');

    const viewerTry = await inject(viewer, 'POST', `/api/deployments/${a.json().id}/rollback`, { reason: 'night' });
    expect(viewerTry.statusCode).toBe(403);
    expect(viewerTry.json().code).toBe('ROLE_CANNOT_ROLLBACK');
    expect(viewerTry.json().message).toMatch(/viewer role cannot roll back/);

    const rb = await inject(oncall, 'POST', `/api/deployments/${a.json().id}/rollback`, { reason: 'broke prod at night' });
    expect(rb.statusCode, rb.body).toBe(202);
    expect(rb.json()).toMatchObject({ actor: oncall.email, rollbackFromId: a.json().id });
    const [row] = await t.ds.query(`SELECT created_by_id, actor FROM deployments WHERE id = $1`, [rb.json().id]);
    expect(row).toEqual({ created_by_id: oncall.id, actor: oncall.email });
    const audits = await t.ds.query(`SELECT action, actor, actor_id FROM audit_logs WHERE action IN ('DEPLOYMENT_ROLLBACK', 'DEPLOY_HOLD_SET') ORDER BY seq`);
    expect(audits).toEqual([
      { action: 'DEPLOY_HOLD_SET', actor: oncall.email, actor_id: oncall.id },
      { action: 'DEPLOYMENT_ROLLBACK', actor: oncall.email, actor_id: oncall.id },
    ]);

    const dep = await deploy(t.app, oncall, serviceId, { image: 'ghcr.io/acme/web:3.0.0', override: true });
    expect(dep.statusCode).toBe(403);
    expect(dep.json()).toMatchObject({ code: 'ROLE_CANNOT_DEPLOY', data: { role: 'oncall', lacks: 'deploy' } });
    expect(dep.json().message).toMatch(/oncall role cannot deploy new images/);
    const env = await inject(oncall, 'PATCH', `/api/services/${serviceId}/env`, { set: { A: 'b' } });
    expect(env.json().code).toBe('ROLE_CANNOT_DEPLOY');
    // oncall releases the hold its rollback set (roll back, release a hold, mark bad).
    const rel = await inject(oncall, 'POST', `/api/services/${serviceId}/release`);
    expect(rel.statusCode, rel.body).toBe(200);
    const viewerAudit = await inject(viewer, 'GET', `/api/audit?projectId=${projectId}`);
    expect(viewerAudit.statusCode).toBe(200);
    expect(viewerAudit.json().items.map((i: { action: string }) => i.action)).toContain('DEPLOYMENT_ROLLBACK');
  });

  it('a rollback-scoped token rolls back, releases and marks bad, and nothing else; it acts with its user role', async () => {
    const mk = await inject(deployer, 'POST', '/api/tokens', { name: 'incident bot', scope: 'rollback' });
    expect(mk.statusCode, mk.body).toBe(201);
    expect(mk.json().scope).toBe('rollback');
    const bot = { ...deployer, auth: { authorization: `Bearer ${mk.json().token}` } };
    const [target] = await t.ds.query(`SELECT id FROM deployments WHERE service_id = $1 AND image_url = 'ghcr.io/acme/web:1.0.0'`, [serviceId]);
    await t.ds.query(`UPDATE deployments SET status = 'SUCCESS' WHERE service_id = $1 AND status <> 'RUNNING'`, [serviceId]);
    const bad = await inject(bot, 'POST', `/api/deployments/${target.id}/bad`, { reason: 'bot says so' });
    expect(bad.statusCode, bad.body).toBe(200);
    const unbad = await inject(bot, 'DELETE', `/api/deployments/${target.id}/bad`);
    expect(unbad.statusCode, unbad.body).toBe(200);
    for (const [method, url, body] of [
      ['POST', `/api/services/${serviceId}/deployments`, { image: 'ghcr.io/acme/web:9.0.0' }],
      ['PATCH', `/api/services/${serviceId}/env`, { set: { A: 'b' } }],
      ['POST', '/api/tokens', { name: 'escalate' }],
      ['POST', '/api/projects', { name: 'bot project' }],
    ] as const) {
      const res = await inject(bot, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('TOKEN_SCOPE_ROLLBACK_ONLY');
    }
    expect((await inject(bot, 'GET', `/api/projects/${projectId}`)).json().permissions).toEqual(['read', 'rollback']);

    // A viewer's rollback-scoped token is still a viewer's.
    const vt = await inject(viewer, 'POST', '/api/tokens', { name: 'viewer bot', scope: 'rollback' });
    const vbot = { ...viewer, auth: { authorization: `Bearer ${vt.json().token}` } };
    const res = await inject(vbot, 'POST', `/api/deployments/${target.id}/bad`, { reason: 'x' });
    expect(res.json().code).toBe('ROLE_CANNOT_ROLLBACK');
    expect((await inject(vbot, 'GET', '/api/tokens')).json().items.map((i: { scope: string }) => i.scope)).toEqual(['rollback']);
  });

  it('a project keeps at least one owner; role changes are audited with from and to', async () => {
    const demote = await inject(owner, 'PATCH', `/api/projects/${projectId}/members/${owner.id}`, { role: 'viewer' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().code).toBe('LAST_OWNER');
    const leave = await inject(owner, 'DELETE', `/api/projects/${projectId}/members/${owner.id}`);
    expect(leave.json().code).toBe('LAST_OWNER');
    const up = await inject(owner, 'PATCH', `/api/projects/${projectId}/members/${deployer.id}`, { role: 'owner' });
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json().role).toBe('owner');
    const down = await inject(deployer, 'PATCH', `/api/projects/${projectId}/members/${owner.id}`, { role: 'deployer' });
    expect(down.statusCode, down.body).toBe(200);
    const last = await inject(deployer, 'PATCH', `/api/projects/${projectId}/members/${deployer.id}`, { role: 'deployer' });
    expect(last.json().code).toBe('LAST_OWNER');
    const missing = await inject(deployer, 'PATCH', `/api/projects/${projectId}/members/00000000-0000-4000-8000-000000000000`, { role: 'viewer' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('MEMBER_NOT_FOUND');
    const changed = await t.ds.query(`SELECT actor, project_id, data FROM audit_logs WHERE action = 'MEMBER_ROLE_CHANGED' ORDER BY seq`);
    expect(changed).toEqual([
      { actor: owner.email, project_id: projectId, data: { userId: deployer.id, email: deployer.email, from: 'deployer', role: 'owner' } },
      { actor: deployer.email, project_id: projectId, data: { userId: owner.id, email: owner.email, from: 'owner', role: 'deployer' } },
    ]);
    // Back as it was for the next test.
    expect((await inject(deployer, 'PATCH', `/api/projects/${projectId}/members/${owner.id}`, { role: 'owner' })).statusCode).toBe(200);
  });

  it('removing a member takes effect on their next request, and is audited', async () => {
    expect((await inject(viewer, 'GET', `/api/services/${serviceId}/deployments`)).statusCode).toBe(200);
    const del = await inject(owner, 'DELETE', `/api/projects/${projectId}/members/${viewer.id}`);
    expect(del.statusCode, del.body).toBe(204);
    const next = await inject(viewer, 'GET', `/api/services/${serviceId}/deployments`);
    expect(next.statusCode).toBe(403);
    expect(next.json().code).toBe('FORBIDDEN');
    expect((await inject(viewer, 'GET', '/api/projects')).json().items).toEqual([]);
    const [removed] = await t.ds.query(`SELECT actor, project_id, data FROM audit_logs WHERE action = 'MEMBER_REMOVED'`);
    expect(removed).toEqual({ actor: owner.email, project_id: projectId, data: { userId: viewer.id, email: viewer.email, role: 'viewer' } });
  });
});

describe('leaving a project', () => {
  it('any member may remove themselves (audited, effective at once); not another member, not through a rollback-scoped token, not the last owner', async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const { projectId: pid } = await createService(t.app, a, 'leave-web');
    for (const [u, role] of [[b, 'viewer']] as const) {
      expect((await inject(a, 'POST', `/api/projects/${pid}/members`, { email: u.email, role })).statusCode).toBe(201);
    }
    // A viewer cannot remove the owner, but can leave.
    const other = await inject(b, 'DELETE', `/api/projects/${pid}/members/${a.id}`);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('ROLE_CANNOT_MANAGE');
    const token = (await inject(b, 'POST', '/api/tokens', { name: 'bot', scope: 'rollback' })).json().token as string;
    const scoped = await t.app.inject({ method: 'DELETE', url: `/api/projects/${pid}/members/${b.id}`, headers: { authorization: `Bearer ${token}` } });
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().code).toBe('TOKEN_SCOPE_ROLLBACK_ONLY');
    const left = await inject(b, 'DELETE', `/api/projects/${pid}/members/${b.id}`);
    expect(left.statusCode, left.body).toBe(204);
    expect((await inject(b, 'GET', `/api/projects/${pid}`)).statusCode).toBe(403);
    const [audit] = await t.ds.query(`SELECT actor, data FROM audit_logs WHERE action = 'MEMBER_REMOVED' AND project_id = $1`, [pid]);
    expect(audit).toEqual({ actor: b.email, data: { userId: b.id, email: b.email, role: 'viewer' } });
    // The only owner cannot leave: a project keeps one.
    const last = await inject(a, 'DELETE', `/api/projects/${pid}/members/${a.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('LAST_OWNER');
  });
});

describe('the migration', () => {
  it('makes the owner of each existing project its owner member, and each new project\'s creator its owner', async () => {
    const url = await createEmptyDatabase(adminUrl());
    const ds = createDataSource({ url });
    await ds.initialize();
    try {
      const migrations = ds.migrations;
      const qr = ds.createQueryRunner();
      const at = migrations.findIndex((m) => m.name === 'ProjectMembers1732000007000');
      expect(at, 'the members migration is registered').toBeGreaterThan(0);
      const last = migrations[at];
      for (const m of migrations.slice(0, at)) await m.up(qr);
      const [u] = await qr.query(`INSERT INTO users(email, password_hash) VALUES ('old@example.com', 'x') RETURNING id`);
      const [p] = await qr.query(`INSERT INTO projects(name, slug, owner_id) VALUES ('Old', 'old', $1) RETURNING id`, [u.id]);
      await last.up(qr);
      expect(await qr.query(`SELECT project_id, user_id, role FROM project_members`)).toEqual([{ project_id: p.id, user_id: u.id, role: 'owner' }]);
      // And any project inserted afterwards, by whatever door, gets its creator as owner (the bench seeds insert with SQL).
      const [p2] = await qr.query(`INSERT INTO projects(name, slug, owner_id) VALUES ('New', 'new', $1) RETURNING id`, [u.id]);
      expect(await qr.query(`SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2`, [p2.id, u.id])).toEqual([{ role: 'owner' }]);
      await qr.release();
    } finally {
      await ds.destroy();
    }
  });
});
