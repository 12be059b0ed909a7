/**
 * maxBatch: changes queued on one adapter go out as one push of chained commits,
 * one commit per change (its own message and trailers), against a real
 * `git http-backend` remote, checked with the real git CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { cloneFresh, gitCli, humanCommit } from '../../../test-support/git-cli.js';
import { createGitAdapter, formatCommitMessage, GitConflictError, type ChangeBuilder } from '../../src/adapters/git/index.js';
import { renderServiceFiles, serviceFilePaths, type DesiredState } from '../../src/manifests/index.js';

let srv: GitHttpServer;
let n = 0;

beforeAll(async () => {
  srv = await startGitHttpServer();
});
afterAll(async () => {
  await srv.stop();
});

async function newRepo() {
  const name = `b${++n}`;
  const bare = srv.createBareRepo(name, { withLayout: true });
  await gitCli(bare, 'config', 'core.logAllRefUpdates', 'always');
  await gitCli(bare, 'config', 'receive.denyNonFastForwards', 'true');
  return { url: srv.url(name), bare };
}

function desired(service: string, tag: string): DesiredState {
  return {
    project: 'acme',
    service,
    image: `ghcr.io/acme/${service}:${tag}`,
    port: 8080,
    replicas: 1,
    cpuLimit: null,
    memoryLimit: null,
    env: {},
    secretName: null,
    deploymentId: `dep-${service}-${tag}`,
  };
}

function builder(d: DesiredState, before?: () => Promise<void>): ChangeBuilder {
  return async (view) => {
    await before?.();
    const existing = new Map<string, string | null>();
    for (const p of Object.values(serviceFilePaths(d.project, d.service))) existing.set(p, await view.readFile(p));
    const files = renderServiceFiles(existing, d);
    const message = formatCommitMessage({ kind: 'deploy', project: d.project, service: d.service, image: d.image, actor: 'ci@example.com', deploymentId: d.deploymentId });
    return { files: [...files].map(([path, content]) => ({ path, content })), message };
  };
}

const cache = () => mkdtempSync(join(tmpdir(), 'kubidu-batch-cache-'));

describe('commitAndPush with maxBatch', () => {
  it('20 queued changes: one commit each, linear, fewer pushes, every file and trailer on the remote', async () => {
    const { url, bare } = await newRepo();
    const git = createGitAdapter({ url, branch: 'main', cacheDir: cache(), maxBatch: 16 });
    await git.fetchTip();
    const before = (await gitCli(bare, 'rev-parse', 'main')).trim();
    const pushesBefore = srv.requests['receive-pack'] ?? 0;
    const ds = Array.from({ length: 20 }, (_, i) => desired(`svc-${i}`, `1.0.${i}`));
    const results = await Promise.all(ds.map((d) => git.commitAndPush(builder(d))));
    expect(results.every((r) => r.pushed && !r.noop)).toBe(true);
    expect(new Set(results.map((r) => r.sha)).size).toBe(20);
    const pushes = (srv.requests['receive-pack'] ?? 0) - pushesBefore;
    expect(pushes).toBeLessThan(20);
    const chain = (await gitCli(bare, 'rev-list', '--parents', `${before}..main`)).trim().split('\n');
    expect(chain).toHaveLength(20);
    for (const line of chain) expect(line.split(' ')).toHaveLength(2);
    // Arrival order is commit order, and each result names its own commit.
    const order = (await gitCli(bare, 'rev-list', '--reverse', `${before}..main`)).trim().split('\n');
    expect(order).toEqual(results.map((r) => r.sha));
    for (const [i, d] of ds.entries()) {
      const msg = await gitCli(bare, 'log', '-1', '--format=%B', results[i].sha!);
      expect(msg).toContain(`Kubidu-Deployment: ${d.deploymentId}`);
    }
    // Fast-forward updates only.
    const reflog = (await gitCli(bare, 'reflog', 'show', '--format=%H', 'refs/heads/main')).trim().split('\n');
    expect(reflog.length).toBe(pushes);
    const clone = await cloneFresh(url);
    await gitCli(clone, 'fsck', '--strict');
    for (const [i, d] of ds.entries()) {
      expect(readFileSync(join(clone, serviceFilePaths('acme', d.service).kustomization), 'utf8')).toContain(`newTag: "1.0.${i}"`);
    }
  });

  it('a push from outside in between: the chain is rebuilt on top, nothing lost; a same-file conflict fails only that change', async () => {
    const { url, bare } = await newRepo();
    const git = createGitAdapter({ url, branch: 'main', cacheDir: cache(), maxBatch: 8 });
    // Seed svc-0..4 so a human can edit one of them.
    await Promise.all(Array.from({ length: 5 }, (_, i) => git.commitAndPush(builder(desired(`svc-${i}`, '1.0.0')))));
    const kPath = serviceFilePaths('acme', 'svc-2').kustomization;
    let theirs = '';
    let calls = 0;
    // Block the adapter with a first change so the next five queue up as one batch.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = git.commitAndPush(builder(desired('svc-9', '1.0.0'), () => gate));
    const batch = [0, 1, 2, 3, 4].map((i) =>
      git.commitAndPush(
        builder(desired(`svc-${i}`, '2.0.0'), async () => {
          if (i === 0 && calls++ === 0) {
            const text = (await gitCli(bare, 'show', `main:${kPath}`)).replace('count: 1', 'count: 3');
            theirs = await humanCommit(url, { [kPath]: text, 'README.md': 'hand edit\n' }, 'scale svc-2 by hand');
          }
        }),
      ),
    );
    const all = Promise.allSettled(batch);
    release();
    await first;
    const settled = await all;
    expect(settled[2].status).toBe('rejected');
    const err = (settled[2] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(GitConflictError);
    expect((err as GitConflictError).otherCommit).toBe(theirs);
    for (const i of [0, 1, 3, 4]) expect(settled[i]).toMatchObject({ status: 'fulfilled', value: { pushed: true } });
    const clone = await cloneFresh(url);
    expect(readFileSync(join(clone, 'README.md'), 'utf8')).toBe('hand edit\n');
    expect(readFileSync(join(clone, kPath), 'utf8')).toContain('count: 3');
    for (const i of [0, 1, 3, 4]) expect(readFileSync(join(clone, serviceFilePaths('acme', `svc-${i}`).kustomization), 'utf8')).toContain('newTag: "2.0.0"');
    const chain = (await gitCli(clone, 'rev-list', '--parents', 'HEAD')).trim().split('\n');
    for (const line of chain.slice(0, -1)) expect(line.split(' ')).toHaveLength(2);
  });

  it('a change that throws or renders to the tip does not hold back the others', async () => {
    const { url } = await newRepo();
    const git = createGitAdapter({ url, branch: 'main', cacheDir: cache(), maxBatch: 8 });
    await git.commitAndPush(builder(desired('same', '1.0.0')));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = git.commitAndPush(builder(desired('gate', '1.0.0'), () => gate));
    const bad: ChangeBuilder = async () => {
      throw new Error('render failed');
    };
    const ps = [git.commitAndPush(builder(desired('a', '1.0.0'))), git.commitAndPush(bad), git.commitAndPush(builder(desired('same', '1.0.0'))), git.commitAndPush(builder(desired('b', '1.0.0')))];
    const all = Promise.allSettled(ps);
    release();
    await first;
    const [a, b, same, c] = await all;
    expect(a).toMatchObject({ status: 'fulfilled', value: { pushed: true } });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'render failed' } });
    expect(same).toMatchObject({ status: 'fulfilled', value: { noop: true, sha: null } });
    expect(c).toMatchObject({ status: 'fulfilled', value: { pushed: true } });
  });
});
