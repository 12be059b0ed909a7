/**
 * Outside systems misbehaving while the controller works, against real parts
 * (Postgres, `git http-backend`, the Argo CD contract test server):
 *  - the git remote answers 503 for a while → deployments wait with a status
 *    message saying so, then complete, each with exactly one commit;
 *  - Argo CD answers 5xx past the sync deadline → the row ends FAILED saying so;
 *  - people push to the branch between Kubidu's fetch and push, again and
 *    again → Kubidu's change lands once on top and every one of theirs is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { seedDeployment, seedService } from '../support/seed.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { errorsOnlyLogger, testControllerEnv } from '../support/controller-env.js';
import { createGitAdapter, type GitAdapter } from '../../src/adapters/git/index.js';
import { createDeploymentStore } from '../../src/store/deployment-store.js';
import { createDeployStep } from '../../src/reconcile/deploy-one.js';
import { createManifestsWriter } from '../../src/reconcile/manifests-writer.js';
import { createServiceRenderer } from '../../src/reconcile/manifests-repo.js';
import { waitFor } from '../../../test-support/wait.js';

const quiet = errorsOnlyLogger;
const key = randomBytes(32);
const box = new SecretBox(key);
const OUTAGE_SERVICES = ['o1', 'o2', 'o3'];

let ds: DataSource;
let git: GitHttpServer;
let bare: string;
let argo: ArgoTestServer;
let controller: ControllerHandle;
const dirs: string[] = [];

const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

let projectId: string | undefined;
/** Services of the one project 'rem' (its slug is unique, so seedService runs once). */
async function remService(name: string): Promise<{ serviceId: string }> {
  if (!projectId) {
    const s = await seedService(ds, { project: 'rem', service: name });
    projectId = s.projectId;
    return s;
  }
  const [{ id }] = await ds.query(`INSERT INTO services(project_id, name, port) VALUES ($1, $2, 8080) RETURNING id`, [projectId, name]);
  return { serviceId: id };
}

async function commitsFor(repo: string, id: string): Promise<string[]> {
  return (await gitCli(repo, 'log', '--all', '--format=%H', '-F', `--grep=Kubidu-Deployment: ${id}`)).split('\n').filter(Boolean);
}

function waitForRow(db: DataSource, id: string, pred: (r: any) => boolean, what: string, timeoutMs = 45_000) {
  return waitFor(`deployment ${id} ${what}`, async () => (await db.query(`SELECT * FROM deployments WHERE id = $1`, [id]))[0], { until: pred, timeoutMs, intervalMs: 50 });
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  git = await startGitHttpServer();
  bare = git.createBareRepo('manifests', { withLayout: true });
  controller = await startController({
    ds,
    logger: quiet,
    config: loadControllerConfig(testControllerEnv(git.url('manifests'), key.toString('base64'), {
      // The outage is a minute; backoff is capped at KUBIDU_RETRY_MAX_MS, so a few
      // seconds with a 400 ms cap exercise the same wait-and-retry path many times over.
      KUBIDU_RETRY_BASE_MS: '100',
      KUBIDU_RETRY_MAX_MS: '400',
      KUBIDU_LEASE_MS: '5000',
    }), tmp('kubidu-rem-')),
  });
});

afterAll(async () => {
  await controller?.stop();
  await ds?.destroy();
  await git?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a push the remote accepted whose answer was lost', () => {
  it('the deployment ends RUNNING with exactly one commit: the retry finds the pushed commit by its trailer', async () => {
    const s = await remService('lost1');
    await seedDeployment(ds, s.serviceId, { status: 'RUNNING', image: 'ghcr.io/acme/lost1:1' });
    controller.wake();
    const id = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/lost1:2' });
    const pushesBefore = git.requests['receive-pack'] ?? 0;
    git.loseResponses('receive-pack', 1);
    controller.wake();
    const r = await waitForRow(ds, id, (x) => x.status === 'RUNNING' || x.status === 'FAILED', 'finished');
    expect(r.status, r.status_message).toBe('RUNNING');
    const commits = await commitsFor(bare, id);
    expect(commits).toHaveLength(1); // not pushed twice
    expect(r.manifests_commit_sha).toBe(commits[0]);
    expect((git.requests['receive-pack'] ?? 0) - pushesBefore).toBeGreaterThanOrEqual(1);
    expect(git.requests['lost-receive-pack']).toBe(1); // the push really went unanswered (and was retried within the claim)
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_logs WHERE deployment_id = $1 AND action = 'DEPLOYMENT_COMMITTED'`, [id]);
    expect(n).toBe(1);
  });
});

describe('the git remote down for a while', () => {
  it('deployments wait saying the remote is unreachable, then complete with one commit each', async () => {
    git.setDown(true);
    let ids: Array<{ id: string; previous: string }> = [];
    try {
      for (const name of OUTAGE_SERVICES) {
        const s = await remService(name);
        const previous = await seedDeployment(ds, s.serviceId, { status: 'RUNNING', image: `ghcr.io/acme/${name}:1` });
        ids.push({ previous, id: await seedDeployment(ds, s.serviceId, { image: `ghcr.io/acme/${name}:2` }) });
      }
      controller.wake();
      for (const { id } of ids) {
        const r = await waitForRow(ds, id, (x) => /^Waiting: .*unreachable \(HTTP 503\).*retrying pushing/.test(x.status_message ?? ''), 'said it was waiting');
        expect(r.status).toBe('DEPLOYING');
      }
      // Stay down for many more retries (counted at the remote, not timed): no give-up, no commit, the lease kept.
      const receivePacksBefore = git.requests['receive-pack'] ?? 0;
      const refsWhileWaiting = git.requests['info-refs'] ?? 0;
      await waitFor('three more fetch attempts per waiting deployment while the remote is down', () => (git.requests['info-refs'] ?? 0) - refsWhileWaiting, {
        until: (n) => n >= OUTAGE_SERVICES.length * 3,
      });
      for (const { id } of ids) {
        const [r] = await ds.query(`SELECT status, lease_owner, lease_expires_at > now() AS leased FROM deployments WHERE id = $1`, [id]);
        expect(r).toMatchObject({ status: 'DEPLOYING', lease_owner: controller.config.workerId, leased: true });
      }
      expect(git.requests['receive-pack'] ?? 0).toBe(receivePacksBefore);
    } finally {
      git.setDown(false);
    }
    for (const { id, previous } of ids) {
      const r = await waitForRow(ds, id, (x) => x.status !== 'DEPLOYING', 'finished');
      expect(r.status, r.status_message).toBe('RUNNING');
      const commits = await commitsFor(bare, id);
      expect(commits).toHaveLength(1);
      expect(r.manifests_commit_sha).toBe(commits[0]);
      const [p] = await ds.query(`SELECT status FROM deployments WHERE id = $1`, [previous]);
      expect(p.status).toBe('SUCCESS');
    }
    ids = [];
  });
});

describe('Argo CD answering 5xx', () => {
  it('is retried with backoff, and past the deadline the row is FAILED with a clear message', async () => {
    // A controller of its own, with Argo CD configured and a 2 s sync deadline.
    const { ds: db } = await createTestDatabase();
    argo = await startArgoTestServer({
      repoURL: git.url('manifests'),
      apps: [{ name: 'argo5xx.flaky', project: 'argo5xx', path: 'apps/argo5xx/flaky', targetRevision: 'main', automated: true }],
    });
    const withArgo = await startController({
      ds: db,
      logger: quiet,
      config: loadControllerConfig(testControllerEnv(git.url('manifests'), key.toString('base64'), {
        ARGOCD_URL: argo.url,
        ARGOCD_TOKEN: argo.token,
        KUBIDU_SYNC_DEADLINE_SECONDS: '2',
      }), tmp('kubidu-rem-argo-')),
    });
    try {
      const s = await seedService(db, { project: 'argo5xx', service: 'flaky' });
      const previous = await seedDeployment(db, s.serviceId, { status: 'RUNNING', image: 'ghcr.io/acme/flaky:1' });
      argo.setFailure('http-500', { times: 1_000_000 });
      const id = await seedDeployment(db, s.serviceId, { image: 'ghcr.io/acme/flaky:2' });
      const messages = new Set<string>();
      withArgo.wake();
      const r = await waitForRow(db, id, (x) => {
        if (x.status_message) messages.add(x.status_message);
        return x.status !== 'DEPLOYING' && x.status !== 'QUEUED';
      }, 'finished');
      expect(r.status).toBe('FAILED');
      expect(r.status_message).toMatch(/^Gave up on Argo CD after 2 s while trying to refresh 'argo5xx.flaky': Argo CD answered 500/);
      const fiveHundreds = argo.requests.filter((q) => q.status === 500);
      // Retried (more than once) but with backoff, not in a hot loop (250 ms doubling in 2 s → a handful).
      expect(fiveHundreds.length).toBeGreaterThanOrEqual(2);
      expect(fiveHundreds.length).toBeLessThan(10);
      expect([...messages].some((m) => /Argo CD answered 500.*retrying in \d/.test(m))).toBe(true);
      // The commit was made once; the deployment it would have replaced stays current.
      expect(await commitsFor(bare, id)).toHaveLength(1);
      const [p] = await db.query(`SELECT status FROM deployments WHERE id = $1`, [previous]);
      expect(p.status).toBe('RUNNING');
      const audits = await db.query(`SELECT action FROM audit_logs WHERE deployment_id = $1 ORDER BY seq`, [id]);
      expect(audits.map((a: { action: string }) => a.action)).toEqual(['DEPLOYMENT_COMMITTED', 'DEPLOYMENT_FAILED']);
    } finally {
      argo.setFailure('none');
      await withArgo.stop();
      await argo.stop();
      await db.destroy();
    }
  });
});

describe('people pushing between Kubidu\'s fetch and push, repeatedly', () => {
  it('Kubidu\'s change lands once on top; every outside commit is kept', async () => {
    // Its own database and remote, and a deploy step built by hand so the race can be injected
    // at the adapter's documented hook (after the commit is written, before it is pushed).
    const { ds: db } = await createTestDatabase();
    const raceBare = git.createBareRepo('race', { withLayout: true });
    const url = git.url('race');
    try {
      const human = await cloneFresh(url);
      dirs.push(human);
      const theirs: string[] = [];
      // More races than the adapter's 10 attempts: the deploy step's own retry must carry on.
      const RACES = 12;
      const pushAsHuman = async () => {
        const n = theirs.length;
        await gitCli(human, 'fetch', '-q', 'origin');
        await gitCli(human, 'reset', '-q', '--hard', 'origin/main');
        mkdirSync(join(human, 'apps/people/notes'), { recursive: true });
        writeFileSync(join(human, `apps/people/notes/n${n}.md`), `note ${n}\n`);
        await gitCli(human, 'add', '-A');
        await gitCli(human, 'commit', '-q', '-m', `hand edit ${n}`);
        await gitCli(human, 'push', '-q', 'origin', 'HEAD:main');
        theirs.push((await gitCli(human, 'rev-parse', 'HEAD')).trim());
      };
      const real = createGitAdapter({ url, branch: 'main', cacheDir: tmp('kubidu-race-cache-') });
      const racing: GitAdapter = {
        ...real,
        commitAndPush: (build, o = {}) =>
          real.commitAndPush(build, {
            ...o,
            hooks: {
              async afterCommitWritten() {
                if (theirs.length < RACES) await pushAsHuman();
              },
            },
          }),
      };
      const store = createDeploymentStore(db);
      const deployOne = createDeployStep({
        store,
        manifests: createManifestsWriter(racing, createServiceRenderer()),
        secretBox: box,
        secrets: null,
        sync: null,
        workerId: 'racer',
        leaseMs: 30_000,
        retryBaseMs: 20,
        retryMaxMs: 100,
        giveUpAfterMs: 60_000,
        logger: quiet,
      });
      const s = await seedService(db, { project: 'race', service: 'web' });
      const id = await seedDeployment(db, s.serviceId, { image: 'ghcr.io/acme/web:3.1.4', env: { MODE: 'race' }, box });
      expect(await store.claim('racer', 30_000, 10)).toEqual([{ id, resumed: false }]);
      await deployOne(id);
      const [r] = await db.query(`SELECT status, status_message, manifests_commit_sha FROM deployments WHERE id = $1`, [id]);
      expect(r.status, r.status_message).toBe('RUNNING');
      expect(theirs).toHaveLength(RACES);
      const ours = await commitsFor(raceBare, id);
      expect(ours).toHaveLength(1);
      expect(r.manifests_commit_sha).toBe(ours[0]);
      // Ours sits on top of the last outside push; no force push: every outside commit is in main.
      expect((await gitCli(raceBare, 'log', '-1', '--format=%H %P', 'main')).trim()).toBe(`${ours[0]} ${theirs.at(-1)}`);
      for (const t of theirs) await gitCli(raceBare, 'merge-base', '--is-ancestor', t, 'main');
      const clone = await cloneFresh(url);
      dirs.push(clone);
      for (let n = 0; n < RACES; n++) expect(readFileSync(join(clone, `apps/people/notes/n${n}.md`), 'utf8')).toBe(`note ${n}\n`);
      expect(readFileSync(join(clone, 'apps/race/web/kustomization.yaml'), 'utf8')).toContain('3.1.4');
      expect((await gitCli(clone, 'rev-list', '--count', 'HEAD')).trim()).toBe(String(1 + RACES + 1));
    } finally {
      await db.destroy();
    }
  });
});
