/**
 * Issue 20, item 2: a whole project rolled back as one commit. The API over HTTP, the real
 * controller, a real Postgres, a real `git http-backend` remote checked with the git CLI, and
 * the Argo CD test server (made to fail one Application's sync). One transaction makes one
 * rollback row per changed service linked by a release id; the controller writes ONE commit
 * touching every folder (one Kubidu-Release trailer, one Kubidu-Deployment per row), syncs each
 * Application, and ends the release RUNNING, or FAILED naming the services that failed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';

interface Row { id: string; status: string; imageUrl: string }
interface Release {
  id: string;
  status: string;
  statusMessage: string | null;
  manifestsCommitSha: string | null;
  deployments: Array<{ id: string; service: string; status: string; targetId: string; imageUrl: string }>;
  skipped: Array<{ service: string; why: string }>;
}

let git: GitHttpServer;
let argo: ArgoTestServer;
let stack: TestStack;
let token: string;
let projectId: string;
const ids: Record<string, string> = {};

const until = (id: string) =>
  waitFor(`deployment ${id}`, async () => (await stack.request<Row>('GET', `/api/deployments/${id}`, token)).body, {
    until: (r) => r.status === 'RUNNING' || r.status === 'FAILED',
    timeoutMs: 120_000,
    intervalMs: 50,
  });
const releaseDone = (id: string) =>
  waitFor(`release ${id}`, async () => (await stack.request<Release>('GET', `/api/releases/${id}`, token)).body, {
    until: (r) => r.status === 'RUNNING' || r.status === 'FAILED',
    timeoutMs: 120_000,
    intervalMs: 50,
  });

async function deployAll(version: string, services: string[]) {
  const rows = [];
  for (const s of services) {
    const r = await stack.request<Row>('POST', `/api/services/${ids[s]}/deployments`, token, { image: `ghcr.io/acme/${s}:${version}`, env: { V: version }, override: true });
    expect(r.status).toBe(202);
    rows.push(r.body);
  }
  for (const r of rows) expect((await until(r.id)).status).toBe('RUNNING');
}

async function commitCount(): Promise<number> {
  const wt = await cloneFresh(git.url('manifests'));
  return Number((await gitCli(wt, 'rev-list', '--count', 'HEAD')).trim());
}

beforeAll(async () => {
  git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  argo = await startArgoTestServer({
    repoURL: git.url('manifests'),
    apps: ['a', 'b', 'c'].map((s) => ({ name: `shop.${s}`, project: 'default', path: `apps/shop/${s}`, targetRevision: 'main' })),
    delays: { refreshMs: 0, pickupMs: 50, syncMs: 50, reconcileMs: 50, healthyMs: 50, pollMs: 0 },
  });
  stack = await startTestStack({
    secrets: null,
    env: { MANIFESTS_REPO_URL: git.url('manifests'), ARGOCD_URL: argo.url, ARGOCD_TOKEN: argo.token, KUBIDU_SYNC_DEADLINE_SECONDS: '60', KUBIDU_GIT_POLL_SECONDS: '3600' },
  });
  token = (await stack.register()).token;
  projectId = (await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Shop' })).body.id;
  for (const s of ['a', 'b', 'c']) ids[s] = (await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, token, { name: s })).body.id;
});

afterEach(() => {
  expect(argo.violations).toEqual([]);
  argo.setFailure('none');
});

afterAll(async () => {
  await stack?.stop();
  await argo?.stop();
  await git?.stop();
});

describe('release rollback (issue 20, item 2)', () => {
  let at: string;
  let first: Release;

  it('previews, then rolls the changed services back in ONE commit; the unchanged one is skipped and listed', { timeout: 240_000 }, async () => {
    await deployAll('1.0.0', ['a', 'b', 'c']);
    await new Promise((r) => setTimeout(r, 50));
    at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    await deployAll('2.0.0', ['a', 'b']);

    const preview = await stack.request<{ services: Array<{ service: string; diff: { fields: Array<{ field: string; from: unknown; to: unknown }>; env: { changed: Array<{ key: string }> } } }>; skipped: Release['skipped'] }>(
      'GET', `/api/projects/${projectId}/rollback/preview?at=${encodeURIComponent(at)}`, token);
    expect(preview.status).toBe(200);
    expect(preview.body.services.map((s) => s.service)).toEqual(['a', 'b']);
    expect(preview.body.services[0].diff.fields).toContainEqual({ field: 'image', from: 'ghcr.io/acme/a:2.0.0', to: 'ghcr.io/acme/a:1.0.0' });
    expect(preview.body.services[0].diff.env.changed).toEqual([{ key: 'V', isSecret: false }]);
    expect(preview.body.skipped).toEqual([{ serviceId: ids.c, service: 'c', why: expect.stringMatching(/^already at /) }]);

    const before = await commitCount();
    const res = await stack.request<Release>('POST', `/api/projects/${projectId}/rollback`, token, { at, reason: '2.0.0 broke checkout' });
    expect(res.status).toBe(202);
    expect(res.body.deployments.map((d) => d.service)).toEqual(['a', 'b']);
    expect(res.body.skipped.map((s) => s.service)).toEqual(['c']);
    first = await releaseDone(res.body.id);
    expect(first.status).toBe('RUNNING');
    expect(first.deployments.every((d) => d.status === 'RUNNING')).toBe(true);

    // One commit, touching both folders, with one Kubidu-Release and one Kubidu-Deployment per row.
    expect(await commitCount()).toBe(before + 1);
    const wt = await cloneFresh(git.url('manifests'));
    expect((await gitCli(wt, 'rev-parse', 'HEAD')).trim()).toBe(first.manifestsCommitSha);
    const files = (await gitCli(wt, 'show', '--name-only', '--format=', 'HEAD')).trim().split('\n');
    expect(new Set(files.map((f) => f.split('/').slice(0, 3).join('/')))).toEqual(new Set(['apps/shop/a', 'apps/shop/b']));
    const trailers = (await gitCli(wt, 'log', '-1', '--format=%(trailers:only,unfold)')).trim().split('\n');
    expect(trailers.filter((t) => t.startsWith('Kubidu-Release: '))).toEqual([`Kubidu-Release: ${first.id}`]);
    expect(trailers.filter((t) => t.startsWith('Kubidu-Deployment: ')).sort()).toEqual(first.deployments.map((d) => `Kubidu-Deployment: ${d.id}`).sort());
    expect(argo.renderedFor('shop.a')?.images).toEqual(['ghcr.io/acme/a:1.0.0']);
    expect(argo.renderedFor('shop.b')?.images).toEqual(['ghcr.io/acme/b:1.0.0']);
    expect(argo.renderedFor('shop.c')?.images).toEqual(['ghcr.io/acme/c:1.0.0']);
    // Each row holds its service like a single rollback does.
    const held = await stack.request<{ code: string }>('POST', `/api/services/${ids.a}/deployments`, token, { image: 'ghcr.io/acme/a:9.0.0' });
    expect(held.body.code).toBe('DEPLOY_HELD');
  });

  it('ends FAILED naming the service whose sync failed; the others run', { timeout: 240_000 }, async () => {
    await deployAll('3.0.0', ['a', 'b']);
    argo.setFailure('sync-failed', { apps: ['shop.b'], message: 'one or more objects failed to apply' });
    const res = await stack.request<Release>('POST', `/api/projects/${projectId}/rollback`, token, { release: first.id, reason: 'back to the rollback' });
    expect(res.status).toBe(202);
    const done = await releaseDone(res.body.id);
    expect(done.status).toBe('FAILED');
    expect(done.statusMessage).toBe('1 of 2 services failed: b');
    expect(done.deployments.find((d) => d.service === 'a')?.status).toBe('RUNNING');
    expect(done.deployments.find((d) => d.service === 'b')?.status).toBe('FAILED');
  });

  it('refuses bad input with precise codes; a subset rolls back only what it names', { timeout: 120_000 }, async () => {
    const post = (body: unknown, pid = projectId) => stack.request<{ code: string; message: string }>('POST', `/api/projects/${pid}/rollback`, token, body);
    expect((await post({ reason: 'x' })).body.code).toBe('VALIDATION_ERROR');
    expect((await post({ at, release: first.id })).body.code).toBe('VALIDATION_ERROR');
    expect((await post({ at: '2999-01-01T00:00:00Z' })).body).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/future/) });
    expect((await post({ at: 'yesterday' })).body.code).toBe('VALIDATION_ERROR');
    expect((await post({ at, services: ['nope'] })).body).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/"nope"/) });
    expect((await post({ release: '00000000-0000-4000-8000-000000000000' })).body.code).toBe('RELEASE_NOT_FOUND');
    const other = (await stack.register()).token;
    const theirs = await stack.request<{ code: string }>('POST', `/api/projects/${projectId}/rollback`, other, { at });
    expect(theirs.status).toBe(403);

    const sub = await post({ at, services: ['a'] });
    expect(sub.status).toBe(202);
    // Repeated while the first is on its way: nothing more is queued.
    const repeat = await post({ at, services: ['a'] });
    expect(repeat).toMatchObject({ status: 409, body: { code: 'NOTHING_TO_ROLL_BACK' } });
    const done = await releaseDone((sub.body as unknown as Release).id);
    expect(done.deployments.map((d) => d.service)).toEqual(['a']);
    expect(done.status).toBe('RUNNING');
    const again = await post({ at, services: ['a'] });
    expect(again).toMatchObject({ status: 409, body: { code: 'NOTHING_TO_ROLL_BACK' } });
  });
});
