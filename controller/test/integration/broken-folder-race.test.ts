/**
 * The limit of "a broken folder is rewritten whole" (issue 15, item 1): a person who
 * repairs the file while Kubidu's rewrite is on its way keeps their fix. Kubidu's
 * push is rejected, the rebuild sees an outside change to a path it writes, and the
 * deployment fails as a conflict naming that commit, exactly as for any racing edit.
 * The race is injected at the adapter's documented hook (after the commit is written,
 * before it is pushed), against a real Postgres and a real `git http-backend` remote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { createTestDatabase } from '../../../test-support/database.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { seedDeployment, seedService } from '../support/seed.js';
import { errorsOnlyLogger } from '../support/controller-env.js';
import { createGitAdapter, type GitAdapter } from '../../src/adapters/git/index.js';
import { createDeploymentStore } from '../../src/store/deployment-store.js';
import { createDeployStep } from '../../src/reconcile/deploy-one.js';
import { createManifestsWriter } from '../../src/reconcile/manifests-writer.js';
import { createServiceRenderer } from '../../src/reconcile/manifests-repo.js';

const box = new SecretBox(randomBytes(32));
const dirs: string[] = [];
let ds: DataSource;
let git: GitHttpServer;

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  git = await startGitHttpServer();
});
afterAll(async () => {
  await ds?.destroy();
  await git?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a broken folder repaired by hand while Kubidu rewrites it', () => {
  it('the hand repair wins: the deployment fails as a conflict naming it, and the repair stays on main', async () => {
    git.createBareRepo('race', { withLayout: true });
    const url = git.url('race');
    const kust = (wt: string) => join(wt, 'apps/race/web/kustomization.yaml');
    let race: (() => Promise<void>) | null = null;
    const real = createGitAdapter({ url, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'kubidu-race-cache-')) });
    const racing: GitAdapter = {
      ...real,
      commitAndPush: (build, o = {}) =>
        real.commitAndPush(build, {
          ...o,
          hooks: {
            async afterCommitWritten() {
              const r = race;
              race = null;
              await r?.();
            },
          },
        }),
    };
    const store = createDeploymentStore(ds);
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
      giveUpAfterMs: 30_000,
      logger: errorsOnlyLogger,
    });
    const s = await seedService(ds, { project: 'race', service: 'web' });
    const run = async (image: string) => {
      const id = await seedDeployment(ds, s.serviceId, { image, env: { MODE: 'race' }, box });
      expect(await store.claim('racer', 30_000, 10)).toEqual([{ id, resumed: false }]);
      await deployOne(id);
      const [r] = await ds.query(`SELECT status, status_message FROM deployments WHERE id = $1`, [id]);
      return r as { status: string; status_message: string };
    };
    expect((await run('ghcr.io/acme/web:1.0.0')).status).toBe('RUNNING');

    const human = await cloneFresh(url);
    dirs.push(human);
    const good = readFileSync(kust(human), 'utf8');
    writeFileSync(kust(human), `${good}kind: Kustomization\n`);
    await gitCli(human, 'commit', '-qam', 'break it');
    await gitCli(human, 'push', '-q', 'origin', 'HEAD:main');
    let repair = '';
    race = async () => {
      writeFileSync(kust(human), good.replace('count: 1', 'count: 4'));
      await gitCli(human, 'commit', '-qam', 'repair it by hand');
      await gitCli(human, 'push', '-q', 'origin', 'HEAD:main');
      repair = (await gitCli(human, 'rev-parse', 'HEAD')).trim();
    };

    const r = await run('ghcr.io/acme/web:2.0.0');
    expect(repair).toMatch(/^[0-9a-f]{40}$/);
    expect(r.status).toBe('FAILED');
    expect(r.status_message).toContain(`commit ${repair.slice(0, 12)} changed apps/race/web/kustomization.yaml`);
    const check = await cloneFresh(url);
    dirs.push(check);
    expect((await gitCli(check, 'rev-parse', 'HEAD')).trim()).toBe(repair);
    expect(readFileSync(kust(check), 'utf8')).toContain('count: 4');

    // Without a race, the same broken folder is rewritten and the deploy goes through.
    writeFileSync(kust(human), `${readFileSync(kust(human), 'utf8')}kind: Kustomization\n`);
    await gitCli(human, 'commit', '-qam', 'break it again');
    await gitCli(human, 'push', '-q', 'origin', 'HEAD:main');
    const again = await run('ghcr.io/acme/web:3.0.0');
    expect(again.status, again.status_message).toBe('RUNNING');
    expect(again.status_message).toMatch(/rewrote apps\/race\/web whole \(broken by commit [0-9a-f]{8} by Human: kustomization\.yaml does not parse/);
  });
});
