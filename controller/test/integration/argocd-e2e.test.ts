/**
 * Issue 4 end to end: the API over HTTP, the real controller configured only
 * through its environment (ARGOCD_URL + ARGOCD_TOKEN), a real Postgres, a real
 * `git http-backend` manifests remote, and the contract-faithful Argo CD test
 * server rendering what was committed with `kubectl kustomize`.
 * Deploy, deploy, roll back → RUNNING with the target's image in the cluster,
 * the replaced row SUCCESS, sync infos naming the deployment; then the failure
 * modes a person must act on end FAILED with Argo CD's own words.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';

interface Row {
  id: string;
  status: string;
  imageUrl: string;
  statusMessage: string | null;
  manifestsCommitSha: string | null;
}

let git: GitHttpServer;
let argo: ArgoTestServer;
let stack: TestStack;
let token: string;
let serviceId: string;

function until(id: string, done: string[], ms = 120_000): Promise<Row> {
  return waitFor(`deployment ${id} ${done.join(' or ')}`, async () => (await stack.request<Row>('GET', `/api/deployments/${id}`, token)).body, {
    until: (r) => done.includes(r.status),
    timeoutMs: ms,
    intervalMs: 50,
  });
}

const deploy = (image: string, extra: Record<string, unknown> = {}) =>
  stack.request<Row>('POST', `/api/services/${serviceId}/deployments`, token, { image, ...extra }).then((r) => {
    expect(r.status).toBe(202);
    return r.body;
  });

beforeAll(async () => {
  git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  argo = await startArgoTestServer({
    repoURL: git.url('manifests'),
    apps: [{ name: 'shop.web', project: 'default', path: 'apps/shop/web', targetRevision: 'main', automated: true }],
  });
  stack = await startTestStack({
    secrets: null,
    env: {
      MANIFESTS_REPO_URL: git.url('manifests'),
      ARGOCD_URL: argo.url,
      ARGOCD_TOKEN: argo.token,
      KUBIDU_SYNC_DEADLINE_SECONDS: '90',
      KUBIDU_GIT_POLL_SECONDS: '3600',
    },
  });
  token = (await stack.register()).token;
  const p = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Shop' });
  const s = await stack.request<{ id: string }>('POST', `/api/projects/${p.body.id}/services`, token, { name: 'web' });
  serviceId = s.body.id;
});

afterEach(() => {
  // Nothing the controller sent may break the vendored Argo CD contract.
  expect(argo.violations).toEqual([]);
  argo.setFailure('none');
});

afterAll(async () => {
  await stack?.stop();
  await argo?.stop();
  await git?.stop();
});

describe('Argo CD end to end through the API and the controller', () => {
  it('deploy, deploy, roll back: RUNNING with the target image rendered, the replaced row SUCCESS, infos naming the rollback', { timeout: 300_000 }, async () => {
    const v1 = await deploy('ghcr.io/acme/web:1.0.0', { env: { MODE: 'one' } });
    expect((await until(v1.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    const v2 = await deploy('ghcr.io/acme/web:2.0.0', { env: { MODE: 'two' } });
    expect((await until(v2.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    expect(argo.renderedFor('shop.web')?.images).toEqual(['ghcr.io/acme/web:2.0.0']);

    const t0 = Date.now();
    const rb = await stack.request<Row>('POST', `/api/deployments/${v1.id}/rollback`, token, { reason: '2.0.0 drops orders' });
    expect(rb.status).toBe(202);
    const done = await until(rb.body.id, ['RUNNING', 'FAILED']);
    const elapsed = Date.now() - t0;
    expect(done.status).toBe('RUNNING');
    expect(done.statusMessage).toMatch(/Healthy/);
    expect(elapsed).toBeLessThan(30_000); // the ceiling, with Argo CD's own delays

    const rendered = argo.renderedFor('shop.web')!;
    expect(rendered.images).toEqual(['ghcr.io/acme/web:1.0.0']);
    expect(rendered.revision).toBe(done.manifestsCommitSha);
    const cm = rendered.objects.find((o) => o.kind === 'ConfigMap');
    expect(cm?.data).toEqual({ MODE: 'one' });

    const op = argo.apps.get('shop.web')!.status!.operationState!;
    expect(op.phase).toBe('Succeeded');
    expect(op.operation?.info).toEqual(
      expect.arrayContaining([
        { name: 'Kubidu-Deployment', value: rb.body.id },
        { name: 'Kubidu-Reason', value: '2.0.0 drops orders' },
      ]),
    );
    expect((await stack.request<Row>('GET', `/api/deployments/${v2.id}`, token)).body.status).toBe('SUCCESS');
    expect((await stack.request<Row>('GET', `/api/deployments/${v1.id}`, token)).body.status).toBe('SUCCESS');
    // Auto-sync on a branch: no revision pinned in any sync request.
    for (const r of argo.requests.filter((x) => x.method === 'POST' && x.path.endsWith('/sync'))) expect(r.body).not.toHaveProperty('revision');
  });

  it('a git revert pushed by a person is imported and watched through Argo CD to RUNNING, with no commit of Kubidu’s own', { timeout: 180_000 }, async () => {
    const wt = await cloneFresh(git.url('manifests'));
    await gitCli(wt, 'revert', '--no-edit', 'HEAD'); // undoes the rollback: back to 2.0.0
    await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
    const revert = (await gitCli(wt, 'rev-parse', 'HEAD')).trim();
    // Accepted syncs: Kubidu's refresh lets auto-sync start first, so its first request may get 400.
    const accepted = () => argo.requests.filter((x) => x.method === 'POST' && x.path.endsWith('/sync') && x.status === 200).length;
    const syncsBefore = accepted();
    stack.controller!.triggerImport();
    const row = await waitFor(
      'the GIT row',
      async () => (await stack.request<{ items: Array<Row & { source: string }> }>('GET', `/api/services/${serviceId}/deployments`, token)).body.items.find((d) => d.source === 'GIT'),
      { intervalMs: 50 },
    );
    expect(row).toMatchObject({ manifestsCommitSha: revert, imageUrl: 'ghcr.io/acme/web:2.0.0' });
    const done = await until(row!.id, ['RUNNING', 'FAILED']);
    expect(done).toMatchObject({ status: 'RUNNING', manifestsCommitSha: revert });
    expect(argo.renderedFor('shop.web')).toMatchObject({ revision: revert, images: ['ghcr.io/acme/web:2.0.0'] });
    expect(accepted()).toBe(syncsBefore + 1);
    expect(argo.apps.get('shop.web')!.status!.operationState!.operation?.info).toContainEqual({ name: 'Kubidu-Deployment', value: row!.id });
    await gitCli(wt, 'fetch', '-q', 'origin');
    expect((await gitCli(wt, 'rev-parse', 'origin/main')).trim()).toBe(revert);
    // The API rollback held new deploys (issue 10); reverting it in git lifted that hold.
    const page = await stack.request<{ hold: unknown }>('GET', `/api/services/${serviceId}/deployments`, token);
    expect(page.body.hold).toBeNull();
    expect((await stack.request<{ code: string }>('POST', `/api/services/${serviceId}/release`, token)).body.code).toBe('DEPLOY_NOT_HELD');
  });

  it.each([
    ['sync-window', /Blocked by sync window/],
    ['forbidden', /permission denied/i],
    ['sync-failed', /one or more objects failed to apply/],
  ] as const)('%s → FAILED with Argo CD’s message; the current deployment stays current', { timeout: 180_000 }, async (mode, message) => {
    const before = (await stack.request<{ items: Array<Row & { isCurrent: boolean }> }>('GET', `/api/services/${serviceId}/deployments`, token)).body.items.find((d) => d.isCurrent)!;
    argo.setFailure(mode);
    const d = await deploy(`ghcr.io/acme/web:fail-${mode}`);
    const done = await until(d.id, ['RUNNING', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.statusMessage).toMatch(message);
    const after = (await stack.request<{ items: Array<Row & { isCurrent: boolean }> }>('GET', `/api/services/${serviceId}/deployments`, token)).body.items.find((x) => x.isCurrent)!;
    expect(after.id).toBe(before.id);
    expect(after.status).toBe('RUNNING');
  });
});
