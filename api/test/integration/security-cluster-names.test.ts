/**
 * Issue 16, items 1 and 2 through the real API: a project slug cannot name a cluster
 * namespace (`kube-system`, `argocd`…), every project deploys into the prefixed
 * namespace, and two users' services never share an Argo CD Application — the name
 * each service syncs is shown in the service view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, registerUser, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

const createProject = (u: TestUser, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/projects', headers: u.auth, payload });
const createService = (u: TestUser, projectId: string, name: string) =>
  t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: u.auth, payload: { name } });

describe('project slugs and namespaces', () => {
  it.each(['kube-system', 'kube-public', 'kube-node-lease', 'default', 'argocd', 'kubidu'])('refuses the slug %s with a clear 400', async (slug) => {
    const res = await createProject(alice, { name: 'sys', slug });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { field: 'slug' } });
    expect(res.json().message).toMatch(/reserved/);
    expect(await t.ds.query(`SELECT 1 FROM projects WHERE slug = $1`, [slug])).toEqual([]);
  });

  it('refuses a slug derived from the name too (name "Kube System")', async () => {
    const res = await createProject(alice, { name: 'Kube System' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/"kube-system" is reserved/);
  });

  it('refuses a slug whose namespace would pass 63 characters', async () => {
    const res = await createProject(alice, { name: 'long', slug: 'l'.repeat(57) });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/at most 56 for the slug/);
    expect((await createProject(alice, { name: 'long', slug: 'l'.repeat(56) })).statusCode).toBe(201);
  });

  it('a service shows the prefixed namespace it deploys to', async () => {
    const p = (await createProject(alice, { name: 'Shop', slug: 'shop' })).json();
    const s = await createService(alice, p.id, 'kube-dns');
    expect(s.statusCode).toBe(201);
    expect(s.json()).toMatchObject({ projectSlug: 'shop', namespace: 'kubidu-shop', argocdApp: 'shop.kube-dns' });
    const listed = await t.app.inject({ method: 'GET', url: `/api/projects/${p.id}/services`, headers: alice.auth });
    expect(listed.json().items[0]).toMatchObject({ namespace: 'kubidu-shop', argocdApp: 'shop.kube-dns' });
    const one = await t.app.inject({ method: 'GET', url: `/api/services/${s.json().id}`, headers: alice.auth });
    expect(one.json()).toMatchObject({ namespace: 'kubidu-shop', argocdApp: 'shop.kube-dns' });
  });
});

describe('Argo CD Application names', () => {
  it('alice a/b-c and bob a-b/c get different Applications', async () => {
    const pa = (await createProject(alice, { name: 'a', slug: 'a' })).json();
    const pb = (await createProject(bob, { name: 'a-b', slug: 'a-b' })).json();
    const sa = (await createService(alice, pa.id, 'b-c')).json();
    const sb = (await createService(bob, pb.id, 'c')).json();
    expect(sa.argocdApp).toBe('a.b-c');
    expect(sb.argocdApp).toBe('a-b.c');
    expect(sa.argocdApp).not.toBe(sb.argocdApp);
  });

  it('refuses a service whose Application name would pass 63 characters', async () => {
    const p = (await createProject(alice, { name: 'p', slug: 'p'.repeat(30) })).json();
    const res = await createService(alice, p.id, 's'.repeat(33));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { field: 'name' } });
    expect(res.json().message).toMatch(/Argo CD Application .* would exceed 63 characters/);
    expect((await createService(alice, p.id, 's'.repeat(32))).statusCode).toBe(201);
  });
});
