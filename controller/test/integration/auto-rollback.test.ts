/**
 * Issue 20, item 1: automatic rollback, written to Git. The API over HTTP, the real controller,
 * a real Postgres, a real `git http-backend` manifests remote and the Argo CD test server told
 * to fail a sync and to report an app Degraded. A service that opted in (PATCH autoRollback)
 * gets, when Argo CD declares a deploy failed: the deploy marked bad with Argo CD's message,
 * one AUTO rollback to the newest healthy deployment before it (actor "kubidu auto-rollback",
 * reason naming the failed deployment), the hold, and one rollback commit in the repo. Never
 * for a failed rollback, never without a healthy target, never twice for one failed deploy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';
import { createDeploymentStore } from '../../src/store/deployment-store.js';

interface Row {
  id: string;
  status: string;
  source: string;
  imageUrl: string;
  actor: string;
  reason: string | null;
  rollbackFromId: string | null;
  statusMessage: string | null;
  manifestsCommitSha: string | null;
  bad: { reason: string; by: string } | null;
}

let git: GitHttpServer;
let argo: ArgoTestServer;
let stack: TestStack;
let token: string;
let projectId: string;

function until(id: string, done: string[], ms = 120_000): Promise<Row> {
  return waitFor(`deployment ${id} ${done.join(' or ')}`, async () => (await stack.request<Row>('GET', `/api/deployments/${id}`, token)).body, {
    until: (r) => done.includes(r.status),
    timeoutMs: ms,
    intervalMs: 50,
  });
}

async function service(name: string, autoRollback: boolean): Promise<string> {
  const s = await stack.request<{ id: string; autoRollback: boolean }>('POST', `/api/projects/${projectId}/services`, token, { name });
  expect(s.body.autoRollback).toBe(false);
  if (autoRollback) {
    const p = await stack.request<{ autoRollback: boolean }>('PATCH', `/api/services/${s.body.id}`, token, { autoRollback: true });
    expect(p).toMatchObject({ status: 200, body: { autoRollback: true } });
  }
  return s.body.id;
}

async function deploy(serviceId: string, image: string): Promise<Row> {
  const r = await stack.request<Row>('POST', `/api/services/${serviceId}/deployments`, token, { image, override: true });
  expect(r.status).toBe(202);
  return r.body;
}

async function history(serviceId: string): Promise<Row[]> {
  return (await stack.request<{ items: Row[] }>('GET', `/api/services/${serviceId}/deployments`, token)).body.items;
}

const app = (svc: string) => ({ name: `shop.${svc}`, project: 'default', path: `apps/shop/${svc}`, targetRevision: 'main' });

beforeAll(async () => {
  git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  argo = await startArgoTestServer({
    repoURL: git.url('manifests'),
    apps: ['web', 'api', 'solo', 'off', 'rb', 'replay'].map(app),
    delays: { refreshMs: 0, pickupMs: 50, syncMs: 50, reconcileMs: 50, healthyMs: 50, pollMs: 0 },
  });
  stack = await startTestStack({
    secrets: null,
    env: {
      MANIFESTS_REPO_URL: git.url('manifests'),
      ARGOCD_URL: argo.url,
      ARGOCD_TOKEN: argo.token,
      KUBIDU_SYNC_DEADLINE_SECONDS: '60',
      KUBIDU_DEGRADED_GRACE_SECONDS: '1',
      KUBIDU_GIT_POLL_SECONDS: '3600',
    },
  });
  token = (await stack.register()).token;
  projectId = (await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Shop' })).body.id;
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

describe('automatic rollback (issue 20, item 1)', () => {
  it('PATCH /api/services/:id refuses anything but a boolean autoRollback, with a precise 400', async () => {
    const id = await service('off', false);
    const bad = await stack.request<{ code: string; message: string }>('PATCH', `/api/services/${id}`, token, { autoRollback: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_ERROR');
    expect(bad.body.message).toMatch(/autoRollback/);
    const extra = await stack.request<{ code: string }>('PATCH', `/api/services/${id}`, token, { autoRollback: true, port: 1 });
    expect(extra.status).toBe(400);
  });

  it('Degraded past the grace period: marked bad, one AUTO rollback to the previous healthy deployment, the hold, one rollback commit', { timeout: 180_000 }, async () => {
    const id = await service('web', true);
    const v1 = await deploy(id, 'ghcr.io/acme/web:1.0.0');
    expect((await until(v1.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    argo.setFailure('degraded', { times: 1, message: 'Deployment "web" exceeded its progress deadline' });
    const v2 = await deploy(id, 'ghcr.io/acme/web:2.0.0');
    const failed = await until(v2.id, ['RUNNING', 'FAILED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.bad).toMatchObject({ by: 'kubidu auto-rollback', reason: expect.stringMatching(/Degraded.*exceeded its progress deadline/) });
    expect(failed.statusMessage).toMatch(/rolled back automatically to/);

    const auto = (await history(id)).find((r) => r.source === 'AUTO')!;
    expect(auto).toMatchObject({ rollbackFromId: v1.id, actor: 'kubidu auto-rollback', imageUrl: 'ghcr.io/acme/web:1.0.0' });
    expect(auto.reason).toContain(v2.id.slice(0, 8));
    const done = await until(auto.id, ['RUNNING', 'FAILED']);
    expect(done.status).toBe('RUNNING');
    expect(argo.renderedFor('shop.web')?.images).toEqual(['ghcr.io/acme/web:1.0.0']);

    // The hold: a plain deploy is refused until someone releases it.
    const held = await stack.request<{ code: string }>('POST', `/api/services/${id}/deployments`, token, { image: 'ghcr.io/acme/web:3.0.0' });
    expect(held).toMatchObject({ status: 409, body: { code: 'DEPLOY_HELD' } });
    // The failed image is not deployable any more.
    const badImage = await stack.request<{ code: string }>('POST', `/api/services/${id}/deployments`, token, { image: 'ghcr.io/acme/web:2.0.0', override: true });
    expect(badImage.body.code).toBe('IMAGE_MARKED_BAD');

    // Git tells the same story: one rollback commit, authored as Kubidu, naming the AUTO row and its target.
    const wt = await cloneFresh(git.url('manifests'));
    const log = await gitCli(wt, 'log', '--format=%H%x09%s%x09%(trailers:key=Kubidu-Deployment,valueonly,separator=)', '-n', '5');
    const commits = log.trim().split('\n').map((l) => l.split('\t'));
    expect(commits.filter((c) => c[2] === auto.id)).toHaveLength(1);
    expect(commits[0][0]).toBe(done.manifestsCommitSha);
    expect(commits[0][1]).toMatch(/^rollback\(shop\/web\): to /);

    // The audit trail names Kubidu as the actor of the mark, the hold and the rollback.
    const audit = (await stack.request<{ items: Array<{ action: string; actor: string; deploymentId: string | null }> }>('GET', `/api/audit?projectId=${projectId}&limit=100`, token)).body.items;
    const byAuto = audit.filter((a) => a.actor === 'kubidu auto-rollback').map((a) => a.action);
    expect(byAuto).toEqual(expect.arrayContaining(['DEPLOYMENT_MARKED_BAD', 'DEPLOY_HOLD_SET', 'DEPLOYMENT_ROLLBACK']));
  });

  it('a failed sync is rolled back too; a service that did not opt in is not', { timeout: 180_000 }, async () => {
    const on = await service('api', true);
    const off = await service('rb', false);
    for (const id of [on, off]) {
      const v1 = await deploy(id, 'ghcr.io/acme/api:1.0.0');
      expect((await until(v1.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    }
    argo.setFailure('sync-failed', { apps: ['shop.api', 'shop.rb'], times: 2, message: 'one or more objects failed to apply' });
    const [a, b] = [await deploy(on, 'ghcr.io/acme/api:2.0.0'), await deploy(off, 'ghcr.io/acme/api:2.0.0')];
    const fa = await until(a.id, ['RUNNING', 'FAILED']);
    const fb = await until(b.id, ['RUNNING', 'FAILED']);
    expect([fa.status, fb.status]).toEqual(['FAILED', 'FAILED']);
    expect(fa.bad?.reason).toMatch(/failed to apply/);
    const autoA = (await history(on)).filter((r) => r.source === 'AUTO');
    expect(autoA).toHaveLength(1);
    expect((await until(autoA[0].id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    expect((await history(off)).filter((r) => r.source === 'AUTO')).toHaveLength(0);
    expect(fb.bad).toBeNull();
  });

  it('no healthy target: no rollback, and the failed row says so; a failed rollback is never rolled back', { timeout: 180_000 }, async () => {
    const id = await service('solo', true);
    argo.setFailure('degraded', { message: 'CrashLoopBackOff' });
    const first = await deploy(id, 'ghcr.io/acme/solo:1.0.0');
    const f = await until(first.id, ['RUNNING', 'FAILED']);
    expect(f.status).toBe('FAILED');
    expect(f.statusMessage).toMatch(/no automatic rollback: there is no healthy deployment before it/);
    expect((await history(id)).filter((r) => r.source === 'AUTO')).toHaveLength(0);

    // A healthy one, then a failing deploy whose automatic rollback fails as well: exactly one AUTO row.
    argo.setFailure('none');
    const ok = await deploy(id, 'ghcr.io/acme/solo:1.1.0');
    expect((await until(ok.id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    argo.setFailure('degraded', { message: 'CrashLoopBackOff' });
    const bad = await deploy(id, 'ghcr.io/acme/solo:2.0.0');
    expect((await until(bad.id, ['RUNNING', 'FAILED'])).status).toBe('FAILED');
    const autos = (await history(id)).filter((r) => r.source === 'AUTO');
    expect(autos).toHaveLength(1);
    const autoDone = await until(autos[0].id, ['RUNNING', 'FAILED']);
    expect(autoDone.status).toBe('FAILED');
    expect(autoDone.statusMessage).not.toMatch(/rolled back automatically/);
    // Give the controller a moment to (wrongly) react, then check nothing more was made.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await history(id)).filter((r) => r.source === 'AUTO')).toHaveLength(1);
  });

  it('exactly once: finishing the same failure again (a restart replaying FAILED) makes no second rollback', { timeout: 60_000 }, async () => {
    const id = await service('replay', true);
    const v1 = await deploy(id, 'ghcr.io/acme/replay:1.0.0');
    expect((await until(v1.id, ['RUNNING', 'FAILED'])).status).not.toBe('QUEUED');
    // A deploy row driven by hand through the controller's store, as a restarted worker would.
    const store = createDeploymentStore(stack.ds);
    const [row] = await stack.ds.query(
      `INSERT INTO deployments (service_id, status, source, image_url, port, replicas, actor, lease_owner, lease_expires_at)
       VALUES ($1, 'DEPLOYING', 'API', 'ghcr.io/acme/replay:2.0.0', 8080, 1, 'me@example.com', 'w1', now() + interval '1 minute') RETURNING id`,
      [id],
    );
    await store.finish(row.id, 'w1', 'FAILED', 'Argo CD reports Degraded', {}, { argoFailure: 'Argo CD reports Degraded' });
    // The second finish is fenced out (the lease is gone); the domain call itself is idempotent too.
    await expect(store.finish(row.id, 'w1', 'FAILED', 'again', {}, { argoFailure: 'again' })).rejects.toThrow(/lease/);
    const [{ n }] = await stack.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE auto_rollback_of = $1`, [row.id]);
    expect(n).toBe(1);
    const { autoRollbackAfterFailure } = await import('@kubidu/core/domain/auto-rollbacks');
    const { auditWriter } = await import('@kubidu/core/domain/audit');
    const again = await stack.ds.transaction((m) => autoRollbackAfterFailure(m, { audit: auditWriter, secretBox: null as never }, row.id, 'replayed'));
    expect(again.kind).toBe('exists');
  });
});
