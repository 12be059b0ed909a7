/**
 * SIGKILL the real controller process at each step of a deployment, restart it,
 * and check it finishes the work: the row ends RUNNING (the one it replaced
 * SUCCESS) and the manifests remote holds exactly one commit carrying
 * `Kubidu-Deployment: <id>`, counted with the real git CLI.
 *
 * The kill lands exactly at the step through KUBIDU_FAULT_PAUSE_AT (see
 * controller/src/reconcile/fault-pause.ts). Each step gets its own database so
 * the four killed processes and their restarts run side by side without one
 * resuming another's row; they share one git remote and one Argo CD test
 * server, so their pushes race each other as replicas' would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { gitCli } from '../../../test-support/git-cli.js';
import { seedDeployment, seedRelease, seedService } from '../support/seed.js';
import { killAllControllerProcesses, startControllerProcess } from '../support/controller-process.js';
import { FAULT_POINTS, type FaultPoint } from '../../src/reconcile/fault-pause.js';
import { waitFor } from '../../../test-support/wait.js';

const key = randomBytes(32);
const box = new SecretBox(key);
let git: GitHttpServer;
let bare: string;
let argo: ArgoTestServer;
const dirs: string[] = [];

interface Case {
  point: FaultPoint;
  ds: DataSource;
  url: string;
  dataDir: string;
  previous: string;
  id: string;
  image: string;
}
const cases: Case[] = [];

/** Commits on any ref of the remote whose message carries the deployment's trailer. */
async function commitsFor(id: string): Promise<string[]> {
  const out = await gitCli(bare, 'log', '--all', '--format=%H', '-F', `--grep=Kubidu-Deployment: ${id}`);
  return out.split('\n').filter(Boolean);
}

async function row(c: Case) {
  const [r] = await c.ds.query(`SELECT status, status_message, manifests_commit_sha, attempts FROM deployments WHERE id = $1`, [c.id]);
  return r;
}

function waitForStatus(c: Case, status: string, timeoutMs = 90_000) {
  return waitFor(`${c.point}: deployment ${status}`, () => row(c), { until: (r) => r.status === status, timeoutMs });
}

function controllerEnv(c: Case, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: c.url,
    MANIFESTS_REPO_URL: git.url('manifests'),
    KUBIDU_DATA_DIR: c.dataDir,
    KUBIDU_ENCRYPTION_KEY: key.toString('base64'),
    KUBIDU_LEASE_MS: '2000',
    KUBIDU_POLL_MS: '200',
    KUBIDU_RETRY_BASE_MS: '100',
    KUBIDU_RETRY_MAX_MS: '1000',
    KUBIDU_KUBERNETES: 'off',
    KUBIDU_GIT_POLL_SECONDS: '3600',
    KUBIDU_DB_POOL: '3',
    ARGOCD_URL: argo.url,
    ARGOCD_TOKEN: argo.token,
    KUBIDU_SYNC_DEADLINE_SECONDS: '60',
    ...extra,
  };
}

beforeAll(async () => {
  git = await startGitHttpServer();
  bare = git.createBareRepo('manifests', { withLayout: true });
  argo = await startArgoTestServer({
    repoURL: git.url('manifests'),
    apps: FAULT_POINTS.map((p) => ({ name: `faults.${p}`, project: 'faults', path: `apps/faults/${p}`, targetRevision: 'main', automated: true })),
    // Long enough that the process killed while watching leaves the operation running.
    delays: { syncMs: 1500 },
  });
  for (const point of FAULT_POINTS) {
    const { url, ds } = await createTestDatabase();
    const s = await seedService(ds, { project: 'faults', service: point });
    const previous = await seedDeployment(ds, s.serviceId, { status: 'RUNNING', image: `ghcr.io/acme/${point}:0.9.0` });
    const image = `ghcr.io/acme/${point}:1.0.0`;
    const id = await seedDeployment(ds, s.serviceId, { image, env: { STEP: point }, secrets: { TOKEN: `tok-${point}` }, box });
    const dataDir = mkdtempSync(join(tmpdir(), `kubidu-fault-${point}-`));
    dirs.push(dataDir);
    cases.push({ point, ds, url, dataDir, previous, id, image });
  }
});

afterAll(async () => {
  await killAllControllerProcesses();
  await argo?.stop();
  for (const c of cases) await c.ds.destroy();
  await git?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SIGKILL of the controller process at each step', () => {
  it('after a restart every deployment ends RUNNING with exactly one commit', async () => {
    // 1. One controller per step, each paused at its step, then killed there.
    const killed = cases.map(async (c) => {
      const proc = startControllerProcess(controllerEnv(c, { KUBIDU_FAULT_PAUSE_AT: c.point }));
      await proc.waitForLine(new RegExp(`^KUBIDU_FAULT_PAUSED ${c.point} ${c.id}$`), 90_000);
      await proc.kill();
    });
    await Promise.all(killed);

    // 2. What each kill left behind proves where it happened.
    const byPoint = Object.fromEntries(cases.map((c) => [c.point, c]));
    for (const c of cases) expect((await row(c)).status, c.point).toBe('DEPLOYING');
    expect(await commitsFor(byPoint['after-claim'].id)).toHaveLength(0);
    expect(await commitsFor(byPoint['after-commit-written'].id)).toHaveLength(0);
    expect(await commitsFor(byPoint['after-push'].id)).toHaveLength(1);
    expect((await row(byPoint['after-push'])).manifests_commit_sha).toBeNull();
    const watching = await row(byPoint['watching-sync']);
    expect(watching.manifests_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(argo.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/applications/faults.watching-sync/sync')).toBe(true);

    // 3. Restart (no fault): each resumes its row once the dead one's lease has run out.
    const restarted = cases.map((c) => ({ c, proc: startControllerProcess(controllerEnv(c)) }));
    try {
      for (const { c } of restarted) {
        const r = await waitForStatus(c, 'RUNNING');
        const commits = await commitsFor(c.id);
        expect(commits, c.point).toHaveLength(1);
        expect(r.manifests_commit_sha, c.point).toBe(commits[0]);
        expect(r.attempts, c.point).toBeGreaterThanOrEqual(2);
        const statuses = await c.ds.query(`SELECT id, status FROM deployments ORDER BY seq`);
        expect(statuses, c.point).toEqual([
          { id: c.previous, status: 'SUCCESS' },
          { id: c.id, status: 'RUNNING' },
        ]);
        // Argo CD deployed what the commit says.
        expect(argo.renderedFor(`faults.${c.point}`)?.images, c.point).toContain(c.image);
        const audits = await c.ds.query(`SELECT action, data FROM audit_logs WHERE deployment_id = $1 ORDER BY seq`, [c.id]);
        expect(audits.filter((a: { action: string }) => a.action === 'DEPLOYMENT_COMMITTED'), c.point).toHaveLength(1);
        expect(audits.filter((a: { action: string }) => a.action === 'DEPLOYMENT_RUNNING'), c.point).toHaveLength(1);
      }
      // The commit pushed before the kill was found by its trailer, not made again.
      const [recovered] = await byPoint['after-push'].ds.query(
        `SELECT data FROM audit_logs WHERE deployment_id = $1 AND action = 'DEPLOYMENT_COMMITTED'`,
        [byPoint['after-push'].id],
      );
      expect(recovered.data.recovered).toBe(true);
      // Nothing in the history is duplicated or lost: seed + one commit per step, linear.
      const chain = (await gitCli(bare, 'rev-list', '--parents', 'main')).trim().split('\n');
      expect(chain).toHaveLength(1 + FAULT_POINTS.length);
      for (const line of chain.slice(0, -1)) expect(line.split(' ')).toHaveLength(2);
      // Exactly those commits: the seed and each row's own commit, on every ref of the remote.
      const seed = chain[chain.length - 1];
      const recorded = await Promise.all(cases.map(async (c) => (await row(c)).manifests_commit_sha as string));
      expect(new Set(recorded).size).toBe(cases.length);
      expect(new Set((await gitCli(bare, 'rev-list', '--all')).trim().split('\n'))).toEqual(new Set([seed, ...recorded]));
      expect(chain.slice(0, -1).map((line) => line.split(' ')[0]).sort()).toEqual([...recorded].sort());
      // Each commit changes its own service's folder and nothing else.
      for (const [i, c] of cases.entries()) {
        const files = (await gitCli(bare, 'diff-tree', '--no-commit-id', '-r', '--name-only', recorded[i])).trim().split('\n');
        expect(files.length, c.point).toBeGreaterThan(0);
        for (const f of files) expect(f, c.point).toMatch(new RegExp(`^apps/faults/${c.point}/`));
      }
      // Secret values never reached the remote: every object it holds, reachable or not, read back
      // (a git failure rejects and fails the test; the trailers show the read sees the commits).
      const objects = await gitCli(bare, 'cat-file', '--batch-all-objects', '--batch');
      for (const c of cases) {
        expect(objects, c.point).toContain(`Kubidu-Deployment: ${c.id}`);
        expect(objects, c.point).not.toContain(`tok-${c.point}`);
      }
      expect(argo.violations).toEqual([]);
    } finally {
      await Promise.all(restarted.map(({ proc }) => proc.stop()));
    }
  }, 180_000);
});

describe('SIGKILL of the controller process in the middle of a release', () => {
  it('after the release commit was pushed but not recorded: the restart finds it by its trailer, no second commit', async () => {
    const { url, ds } = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'kubidu-fault-release-'));
    dirs.push(dataDir);
    try {
      const rel = await seedRelease(ds, box, { project: 'relfault', names: ['a', 'b'] });
      // No sync engine: the rows end at the commit.
      const env = { ...controllerEnv({ url, dataDir } as Case), ARGOCD_URL: '', ARGOCD_TOKEN: '' };
      delete (env as Record<string, string | undefined>).ARGOCD_URL;
      delete (env as Record<string, string | undefined>).ARGOCD_TOKEN;
      const killed = startControllerProcess({ ...env, KUBIDU_FAULT_PAUSE_AT: 'after-push' });
      await killed.waitForLine(new RegExp(`^KUBIDU_FAULT_PAUSED after-push ${rel.releaseId}$`), 90_000);
      await killed.kill();
      const releaseCommits = async () =>
        (await gitCli(bare, 'log', '--all', '--format=%H', '-F', `--grep=Kubidu-Release: ${rel.releaseId}`)).split('\n').filter(Boolean);
      expect(await releaseCommits()).toHaveLength(1);
      expect((await ds.query(`SELECT manifests_commit_sha FROM releases WHERE id = $1`, [rel.releaseId]))[0].manifests_commit_sha).toBeNull();

      const restarted = startControllerProcess(env);
      const done = await waitFor('the release ended', async () => (await ds.query(`SELECT status, manifests_commit_sha, attempts FROM releases WHERE id = $1`, [rel.releaseId]))[0] as { status: string; manifests_commit_sha: string | null; attempts: number }, {
        until: (r) => r.status === 'RUNNING' || r.status === 'FAILED',
        timeoutMs: 90_000,
      });
      const commits = await releaseCommits();
      expect(commits).toHaveLength(1);
      expect(done).toMatchObject({ status: 'RUNNING', manifests_commit_sha: commits[0] });
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      const rows = await ds.query(`SELECT status, manifests_commit_sha FROM deployments WHERE release_id = $1`, [rel.releaseId]);
      expect(rows).toEqual([
        { status: 'RUNNING', manifests_commit_sha: commits[0] },
        { status: 'RUNNING', manifests_commit_sha: commits[0] },
      ]);
      await restarted.stop();
    } finally {
      await ds.destroy();
    }
  }, 180_000);
});
