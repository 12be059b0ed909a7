/**
 * The embedded default: a bare repo under the data dir, written directly and
 * moved with a compare-and-swap, while people clone and push to it by path.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { createGitAdapter, ensureBareRepo, formatCommitMessage, GitConflictError } from '../../src/adapters/git/index.js';
import { renderServiceFiles, serviceFilePaths, type DesiredState } from '../../src/manifests/index.js';
import type { ChangeBuilder } from '../../src/adapters/git/index.js';

function builder(d: DesiredState, message: string): ChangeBuilder {
  return async (view) => {
    const existing = new Map<string, string | null>();
    for (const p of Object.values(serviceFilePaths(d.project, d.service))) existing.set(p, await view.readFile(p));
    return { files: [...renderServiceFiles(existing, d)].map(([path, content]) => ({ path, content })), message };
  };
}
const desired = (service: string, tag: string): DesiredState => ({
  project: 'local', service, image: `registry.local/${service}:${tag}`, port: 8080, replicas: 1, cpuLimit: null, memoryLimit: null, env: { TAG: tag }, secretName: null, deploymentId: `${service}-${tag}`,
});

async function humanPushLoop(repo: string, i: number): Promise<void> {
  const dir = await cloneFresh(repo);
  const p = join(dir, `notes/human-${i}.md`);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, `note ${i}\n`);
  await gitCli(dir, 'add', '-A');
  await gitCli(dir, 'commit', '-q', '-m', `human note ${i}`);
  for (let attempt = 0; ; attempt++) {
    try {
      await gitCli(dir, 'push', '-q', 'origin', 'HEAD:main');
      return;
    } catch (err) {
      if (attempt > 20) throw err;
      await gitCli(dir, 'pull', '-q', '--rebase', 'origin', 'main');
    }
  }
}

describe('local bare repo (embedded default)', () => {
  it('ensureBareRepo creates a clonable repo with the fresh layout, once', async () => {
    const repo = join(mkdtempSync(join(tmpdir(), 'kubidu-data-')), 'manifests.git');
    expect(await ensureBareRepo(repo, 'main')).toBe(true);
    expect(await ensureBareRepo(repo, 'main')).toBe(false);
    const clone = await cloneFresh(repo);
    expect(readFileSync(join(clone, 'README.md'), 'utf8')).toContain('Manifests repo');
    expect(readFileSync(join(clone, 'apps/README.md'), 'utf8')).toContain('apps/<project>/<service>/');
    await gitCli(repo, 'fsck', '--strict');
  });

  it('commits concurrently with plain git pushes by path: everything lands, history stays linear', async () => {
    const repo = join(mkdtempSync(join(tmpdir(), 'kubidu-data-')), 'manifests.git');
    await ensureBareRepo(repo, 'main');
    await gitCli(repo, 'config', 'core.logAllRefUpdates', 'always');
    const start = (await gitCli(repo, 'rev-parse', 'main')).trim();
    const a = createGitAdapter({ url: repo, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')) });
    const b = createGitAdapter({ url: `file://${repo}`, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')) });
    const ours = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? a : b).commitAndPush(builder(desired(`svc-${i}`, '1.0.0'), formatCommitMessage({ kind: 'deploy', project: 'local', service: `svc-${i}`, image: `registry.local/svc-${i}:1.0.0`, actor: 'x@y.z', deploymentId: `svc-${i}-1.0.0` })), { maxAttempts: 40 }),
    );
    const humans = Array.from({ length: 4 }, (_, i) => humanPushLoop(repo, i));
    const results = await Promise.all(ours);
    await Promise.all(humans);
    expect(results.every((r) => r.pushed)).toBe(true);
    expect(Number((await gitCli(repo, 'rev-list', '--count', `${start}..main`)).trim())).toBe(14);
    expect((await gitCli(repo, 'rev-list', '--merges', `${start}..main`)).trim()).toBe('');
    const reflog = (await gitCli(repo, 'reflog', 'show', '--format=%H', 'refs/heads/main')).trim().split('\n');
    const previous = [...reflog.slice(1), start];
    for (let i = 0; i < reflog.length; i++) expect((await gitCli(repo, 'rev-parse', `${reflog[i]}^`)).trim()).toBe(previous[i]);
    const clone = await cloneFresh(repo);
    for (let i = 0; i < 10; i++) expect(readFileSync(join(clone, `apps/local/svc-${i}/kustomization.yaml`), 'utf8')).toContain('TAG=\\"1.0.0\\"');
    for (let i = 0; i < 4; i++) expect(readFileSync(join(clone, `notes/human-${i}.md`), 'utf8')).toBe(`note ${i}\n`);
    for (let i = 0; i < 10; i++) expect(await a.findCommitWithTrailer('Kubidu-Deployment', `svc-${i}-1.0.0`)).toBe(results[i].sha);
    await gitCli(repo, 'fsck', '--strict');
  });

  it('a human edit of the same file between plan and CAS is a conflict', async () => {
    const repo = join(mkdtempSync(join(tmpdir(), 'kubidu-data-')), 'manifests.git');
    await ensureBareRepo(repo, 'main');
    const git = createGitAdapter({ url: repo, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')) });
    await git.commitAndPush(builder(desired('web', '1'), 'one\n'));
    let theirs = '';
    const err = await git
      .commitAndPush(builder(desired('web', '2'), 'two\n'), {
        hooks: {
          async afterCommitWritten() {
            if (theirs) return;
            const dir = await cloneFresh(repo);
            const k = join(dir, serviceFilePaths('local', 'web').kustomization);
            writeFileSync(k, readFileSync(k, 'utf8') + '# hand note\n');
            await gitCli(dir, 'commit', '-q', '-am', 'hand note');
            await gitCli(dir, 'push', '-q', 'origin', 'HEAD:main');
            theirs = (await gitCli(dir, 'rev-parse', 'HEAD')).trim();
          },
        },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GitConflictError);
    expect(err.otherCommit).toBe(theirs);
    expect((await gitCli(repo, 'rev-parse', 'main')).trim()).toBe(theirs);
  });
});
