/**
 * SIGTERM on a real controller process in the middle of a deployment: it hands
 * its lease back, so another replica resumes the row at once. The lease is ten
 * minutes here, so without the hand-back the second controller could not touch
 * the row before this test gives up. The first controller hangs right after
 * its claim (KUBIDU_FAULT_PAUSE_AT=after-claim), i.e. with a step in flight that
 * does not finish within the shutdown grace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';
import { seedDeployment, seedRelease, seedService } from '../support/seed.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { killAllControllerProcesses, startControllerProcess } from '../support/controller-process.js';

const key = randomBytes(32);
let git: GitHttpServer;
let bare: string;
let ds: DataSource;
let url: string;
let argo: ArgoTestServer;
const dirs: string[] = [];

function env(worker: string, extra: Record<string, string> = {}): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), `kubidu-sigterm-${worker}-`));
  dirs.push(dataDir);
  return {
    DATABASE_URL: url,
    MANIFESTS_REPO_URL: git.url('manifests'),
    KUBIDU_DATA_DIR: dataDir,
    KUBIDU_ENCRYPTION_KEY: key.toString('base64'),
    KUBIDU_WORKER_ID: worker,
    KUBIDU_LEASE_MS: '600000',
    KUBIDU_POLL_MS: '200',
    KUBIDU_KUBERNETES: 'off',
    KUBIDU_GIT_POLL_SECONDS: '3600',
    KUBIDU_DB_POOL: '3',
    ...extra,
  };
}

beforeAll(async () => {
  git = await startGitHttpServer();
  bare = git.createBareRepo('manifests', { withLayout: true });
  ({ ds, url } = await createTestDatabase());
  // Syncs that outlast the shutdown grace: a release is still syncing when SIGTERM lands.
  argo = await startArgoTestServer({
    repoURL: git.url('manifests'),
    apps: ['a', 'b'].map((svc) => ({ name: `rel.${svc}`, project: 'default', path: `apps/rel/${svc}`, targetRevision: 'main' })),
    delays: { refreshMs: 0, pickupMs: 50, syncMs: 10_000, reconcileMs: 50, healthyMs: 50, pollMs: 0 },
  });
});

afterAll(async () => {
  await killAllControllerProcesses();
  await argo?.stop();
  await ds?.destroy();
  await git?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('controller SIGTERM', () => {
  it('hands the lease of an unfinished step back; another replica resumes the row at once', async () => {
    const s = await seedService(ds, { project: 'shutdown', service: 'web' });
    const id = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:2.0.0' });

    const a = startControllerProcess(env('worker-a', { KUBIDU_FAULT_PAUSE_AT: 'after-claim' }));
    await a.waitForLine(new RegExp(`KUBIDU_FAULT_PAUSED after-claim ${id}`));
    const [held] = await ds.query(`SELECT status, lease_owner FROM deployments WHERE id = $1`, [id]);
    expect(held).toEqual({ status: 'DEPLOYING', lease_owner: 'worker-a' });

    const b = startControllerProcess(env('worker-b'));
    await b.waitForLine(/controller started/);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.lines.join('\n')).toMatch(new RegExp(`"deploymentId":"${id}".*lease handed back`));

    const done = await waitFor(
      'the row RUNNING through worker-b',
      async () => (await ds.query(`SELECT status, attempts FROM deployments WHERE id = $1`, [id]))[0] as { status: string; attempts: number },
      { until: (r) => r.status === 'RUNNING', timeoutMs: 60_000 },
    );
    expect(done.attempts).toBe(2);
    await b.waitForLine(new RegExp(`"deploymentId":"${id}".*deployment RUNNING`));
    const commits = (await gitCli(bare, 'log', '--all', '--format=%H', '-F', `--grep=Kubidu-Deployment: ${id}`)).split('\n').filter(Boolean);
    expect(commits).toHaveLength(1);
    // Every line worker-b wrote about this deployment or its commit names the deployment.
    const about = b.lines.filter((l) => l.includes(id) || l.includes(commits[0]));
    expect(about.length).toBeGreaterThanOrEqual(3);
    expect(about.filter((l) => !l.includes(`"deploymentId":"${id}"`))).toEqual([]);
    expect(about.some((l) => l.includes('manifests commit pushed'))).toBe(true);
    await b.stop();
  }, 180_000);

  it('hands a release back too (its lease and its rows’); another replica finishes it with the one commit', async () => {
    // Project `rel` with services a and b: 1.0.0 live two hours ago, 2.0.0 live now; a release back to 1.0.0.
    const rel = await seedRelease(ds, new SecretBox(key), { project: 'rel', names: ['a', 'b'] });
    const argoEnv = { ARGOCD_URL: argo.url, ARGOCD_TOKEN: argo.token, KUBIDU_SYNC_DEADLINE_SECONDS: '300' };
    const first = startControllerProcess(env('worker-r1', argoEnv));
    // The commit is pushed and the syncs are running (each takes ten seconds here, twice the shutdown grace).
    await waitFor('the release commit', async () => (await ds.query(`SELECT manifests_commit_sha FROM releases WHERE id = $1`, [rel.releaseId]))[0], {
      until: (r: { manifests_commit_sha: string | null }) => !!r.manifests_commit_sha,
      timeoutMs: 60_000,
    });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.lines.join('\n')).toMatch(new RegExp(`"releaseId":"${rel.releaseId}".*release lease handed back`));
    const [handed] = await ds.query(`SELECT status, lease_owner, lease_expires_at < now() AS expired FROM releases WHERE id = $1`, [rel.releaseId]);
    expect(handed).toEqual({ status: 'DEPLOYING', lease_owner: null, expired: true });
    const rows = await ds.query(`SELECT lease_owner FROM deployments WHERE release_id = $1 AND status = 'DEPLOYING'`, [rel.releaseId]);
    expect(rows.every((r: { lease_owner: string | null }) => r.lease_owner === null)).toBe(true);

    // Another replica resumes at once (the lease is ten minutes): no second commit, the release ends RUNNING.
    argo.delays.syncMs = 50;
    const second = startControllerProcess(env('worker-r2', argoEnv));
    const done = await waitFor('the release RUNNING', async () => (await ds.query(`SELECT status FROM releases WHERE id = $1`, [rel.releaseId]))[0], {
      until: (r: { status: string }) => r.status === 'RUNNING' || r.status === 'FAILED',
      timeoutMs: 90_000,
    });
    expect(done.status).toBe('RUNNING');
    const commits = (await gitCli(bare, 'log', '--all', '--format=%H', '-F', `--grep=Kubidu-Release: ${rel.releaseId}`)).split('\n').filter(Boolean);
    expect(commits).toHaveLength(1);
    await second.stop();
  }, 240_000);

  it('with nothing in flight it exits 0 at once and leaves no row behind', async () => {
    const c = startControllerProcess(env('worker-c'));
    await c.waitForLine(/controller started/);
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(c.lines.join('\n')).toContain('controller stopping');
    expect(c.lines.join('\n')).not.toContain('lease handed back');
  }, 60_000);
});
