/**
 * The write path against a real smart-HTTP remote (git http-backend) and the
 * real git CLI: what Kubidu pushes is what a fresh `git clone` shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { cloneFresh, gitCli, humanCommit } from '../../../test-support/git-cli.js';
import {
  createGitAdapter,
  formatCommitMessage,
  parseTrailers,
  GitConflictError,
  GitAuthError,
  GitRemoteUnavailableError,
  GitInvalidChangeError,
  GitRepositoryError,
  type ChangeBuilder,
  type GitAdapter,
} from '../../src/adapters/git/index.js';
import { readDesiredState, renderServiceFiles, serviceFilePaths, type DesiredState } from '../../src/manifests/index.js';

let srv: GitHttpServer;
let n = 0;

beforeAll(async () => {
  srv = await startGitHttpServer();
});
afterAll(async () => {
  await srv.stop();
});

function newRepo(): { url: string; bare: string } {
  const name = `r${++n}`;
  const bare = srv.createBareRepo(name, { withLayout: true });
  return { url: srv.url(name), bare };
}

function adapter(url: string, extra: Partial<Parameters<typeof createGitAdapter>[0]> = {}): GitAdapter {
  return createGitAdapter({ url, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'kubidu-cache-')), ...extra });
}

function desired(over: Partial<DesiredState> = {}): DesiredState {
  return {
    project: 'acme',
    service: 'web',
    image: 'ghcr.io/acme/web:1.4.2',
    port: 8080,
    replicas: 2,
    cpuLimit: '500m',
    memoryLimit: '256Mi',
    env: { GREETING: 'hello: "world" # not a comment', EMPTY: '' },
    secretName: null,
    deploymentId: 'dep-1',
    ...over,
  };
}

/** The builder the claim loop uses: read the service folder on the tip, render, commit. */
function deployBuilder(d: DesiredState, message: string): ChangeBuilder {
  return async (view) => {
    const paths = Object.values(serviceFilePaths(d.project, d.service));
    const existing = new Map<string, string | null>();
    for (const p of paths) existing.set(p, await view.readFile(p));
    const files = renderServiceFiles(existing, d);
    return { files: [...files].map(([path, content]) => ({ path, content })), message };
  };
}

describe('commitAndPush over smart HTTP', () => {
  it('a deploy then a rollback show in git log of a fresh clone with subjects, trailers and files', async () => {
    const { url } = newRepo();
    const git = adapter(url);
    const d1 = desired({ image: 'ghcr.io/acme/web:1.4.2', env: { A: 'one', QUOTED: '"x"' }, deploymentId: 'dep-aaaaaaaa-1' });
    const m1 = formatCommitMessage({ kind: 'deploy', project: 'acme', service: 'web', image: d1.image, actor: 'alice@example.com', deploymentId: d1.deploymentId, reason: 'first release' });
    const r1 = await git.commitAndPush(deployBuilder(d1, m1));
    expect(r1).toMatchObject({ noop: false, pushed: true, attempts: 1 });

    const d2 = desired({ image: 'ghcr.io/acme/web:1.5.0', env: { A: 'two' }, deploymentId: 'dep-bbbbbbbb-2' });
    const r2 = await git.commitAndPush(deployBuilder(d2, formatCommitMessage({ kind: 'deploy', project: 'acme', service: 'web', image: d2.image, actor: 'alice@example.com', deploymentId: d2.deploymentId })));
    const d3 = { ...d1, deploymentId: 'dep-cccccccc-3' };
    const m3 = formatCommitMessage({ kind: 'rollback', project: 'acme', service: 'web', image: d3.image, actor: 'bob@example.com', deploymentId: d3.deploymentId, rollbackOfId: d1.deploymentId, reason: '1.5.0 crashes' });
    const r3 = await git.commitAndPush(deployBuilder(d3, m3));
    expect(r3.pushed).toBe(true);

    const clone = await cloneFresh(url);
    const subjects = (await gitCli(clone, 'log', '--format=%s')).trim().split('\n');
    expect(subjects.slice(0, 3)).toEqual([
      'rollback(acme/web): to dep-aaaa — ghcr.io/acme/web:1.4.2',
      'deploy(acme/web): ghcr.io/acme/web:1.5.0',
      'deploy(acme/web): ghcr.io/acme/web:1.4.2',
    ]);
    const body = await gitCli(clone, 'log', '-1', '--format=%B', r3.sha!);
    expect(parseTrailers(body)).toEqual({ 'Kubidu-Deployment': ['dep-cccccccc-3'], 'Kubidu-Rollback-Of': ['dep-aaaaaaaa-1'], 'Kubidu-Actor': ['bob@example.com'] });
    expect(body).toContain('1.5.0 crashes');
    // git's own trailer parser agrees
    const gitTrailers = await gitCli(clone, 'log', '-1', '--format=%(trailers:key=Kubidu-Deployment,valueonly)', r3.sha!);
    expect(gitTrailers.trim()).toBe('dep-cccccccc-3');
    expect((await gitCli(clone, 'log', '-1', '--format=%an <%ae>', r3.sha!)).trim()).toBe('Kubidu <bot@kubidu.local>');

    const files = new Map<string, string | null>();
    for (const p of Object.values(serviceFilePaths('acme', 'web'))) files.set(p, readFileSync(join(clone, p), 'utf8'));
    const back = readDesiredState(files);
    expect(back).toMatchObject({ ok: true, state: { image: 'ghcr.io/acme/web:1.4.2', env: { A: 'one', QUOTED: '"x"' } } });
    expect(r2.sha).not.toBe(r3.sha);
    await gitCli(join(srv.root, `r${n}.git`), 'fsck', '--strict');
  });

  it('a rendered state equal to the tip makes no commit', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    const d = desired();
    const first = await git.commitAndPush(deployBuilder(d, 'deploy\n'));
    const again = await git.commitAndPush(deployBuilder({ ...d, deploymentId: 'dep-2' }, 'deploy again\n'));
    expect(again).toEqual({ sha: null, noop: true, attempts: 1, pushed: false });
    const builderNull = await git.commitAndPush(async () => null);
    expect(builderNull.noop).toBe(true);
    expect((await gitCli(bare, 'rev-parse', 'main')).trim()).toBe(first.sha);
  });

  it('20 concurrent commits on 20 services from 4 replicas all land, fast-forward only', async () => {
    const { url, bare } = newRepo();
    await gitCli(bare, 'config', 'core.logAllRefUpdates', 'always');
    await gitCli(bare, 'config', 'receive.denyNonFastForwards', 'true');
    const before = (await gitCli(bare, 'rev-parse', 'main')).trim();
    const replicas = [adapter(url), adapter(url), adapter(url), adapter(url)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const d = desired({ service: `svc-${i}`, image: `ghcr.io/acme/svc-${i}:1.0.${i}`, deploymentId: `dep-${i}` });
        return replicas[i % 4].commitAndPush(deployBuilder(d, formatCommitMessage({ kind: 'rollback', project: 'acme', service: d.service, image: d.image, actor: 'ci@example.com', deploymentId: d.deploymentId, rollbackOfId: `old-${i}` })), { maxAttempts: 30 });
      }),
    );
    expect(results.every((r) => r.pushed)).toBe(true);
    expect(results.some((r) => r.attempts > 1)).toBe(true); // replicas really raced
    expect(Number((await gitCli(bare, 'rev-list', '--count', `${before}..main`)).trim())).toBe(20);
    // Linear: every commit has one parent and the chain reaches the old tip.
    const chain = (await gitCli(bare, 'rev-list', '--parents', `${before}..main`)).trim().split('\n');
    for (const line of chain) expect(line.split(' ')).toHaveLength(2);
    // The remote's reflog shows each update starting where the previous ended: no force.
    const reflog = (await gitCli(bare, 'reflog', 'show', '--format=%H', 'refs/heads/main')).trim().split('\n');
    expect(reflog).toHaveLength(20); // logging was switched on after the seed commit
    const previous = [...reflog.slice(1), before];
    for (let i = 0; i < reflog.length; i++) {
      const parent = (await gitCli(bare, 'rev-parse', `${reflog[i]}^`)).trim();
      expect(parent).toBe(previous[i]);
    }
    const clone = await cloneFresh(url);
    for (let i = 0; i < 20; i++) {
      const k = readFileSync(join(clone, `apps/acme/svc-${i}/kustomization.yaml`), 'utf8');
      expect(k).toContain(`newName: "ghcr.io/acme/svc-${i}"`);
      expect(k).toContain(`newTag: "1.0.${i}"`);
    }
    const shas = new Set(results.map((r) => r.sha));
    expect(shas.size).toBe(20);
  });

  it('an outside push between fetch and push is kept and ours lands once on top', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    let theirs = '';
    let calls = 0;
    const res = await git.commitAndPush(deployBuilder(desired(), 'deploy(acme/web): x\n\nKubidu-Deployment: dep-x\n'), {
      hooks: {
        async afterCommitWritten() {
          if (calls++ === 0) theirs = await humanCommit(url, { 'apps/other/api/notes.md': 'hand edit\n' }, 'hand edit of another service');
        },
      },
    });
    expect(res.attempts).toBe(2);
    const log = (await gitCli(bare, 'log', '--format=%H %P', '-3')).trim().split('\n');
    expect(log[0]).toBe(`${res.sha} ${theirs}`);
    const clone = await cloneFresh(url);
    expect(readFileSync(join(clone, 'apps/other/api/notes.md'), 'utf8')).toBe('hand edit\n');
    expect((await gitCli(clone, 'log', '--format=%s', '--grep=Kubidu-Deployment: dep-x')).trim().split('\n')).toHaveLength(1);
  });

  it('an outside change to the same file is a conflict naming that commit, and nothing is overwritten', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    await git.commitAndPush(deployBuilder(desired(), 'first\n'));
    let theirs = '';
    const p = git.commitAndPush(deployBuilder(desired({ image: 'ghcr.io/acme/web:2.0.0' }), 'second\n'), {
      hooks: {
        async afterCommitWritten() {
          if (!theirs) {
            const clone = await cloneFresh(url);
            const k = join(clone, 'apps/acme/web/kustomization.yaml');
            const text = readFileSync(k, 'utf8').replace('count: 2', 'count: 5');
            theirs = await humanCommit(url, { 'apps/acme/web/kustomization.yaml': text }, 'scale by hand');
          }
        },
      },
    });
    const err = await p.catch((e) => e);
    expect(err).toBeInstanceOf(GitConflictError);
    expect(err.code).toBe('GIT_CONFLICT');
    expect(err.otherCommit).toBe(theirs);
    expect(err.message).toContain(theirs.slice(0, 12));
    expect((await gitCli(bare, 'rev-parse', 'main')).trim()).toBe(theirs);
  });

  it('after a crash between push and bookkeeping, a restarted adapter finds the commit by trailer', async () => {
    const { url } = newRepo();
    const first = adapter(url);
    const pushed = await first.commitAndPush(deployBuilder(desired(), formatCommitMessage({ kind: 'deploy', project: 'acme', service: 'web', image: 'ghcr.io/acme/web:1.4.2', actor: 'a@example.com', deploymentId: 'dep-crash' })));
    // others keep committing on top
    for (let i = 0; i < 5; i++) await first.commitAndPush(deployBuilder(desired({ service: `s${i}` }), `other ${i}\n`));
    await humanCommit(url, { 'README.md': 'changed\n' }, 'human edit');
    // "restart": new process state, empty cache dir (shallow depth-1 fetch, deepened on demand)
    const restarted = adapter(url);
    expect(await restarted.findCommitWithTrailer('Kubidu-Deployment', 'dep-crash')).toBe(pushed.sha);
    expect(await restarted.findCommitWithTrailer('Kubidu-Deployment', 'never-made')).toBeNull();
    expect(await restarted.findCommitWithTrailer('Kubidu-Deployment', 'dep-crash', { maxDepth: 3 })).toBeNull();
  });

  it('commitsSince lists outside commits oldest first with changed paths; isDescendant follows parents', async () => {
    const { url } = newRepo();
    const git = adapter(url);
    const base = await git.fetchTip();
    const a = await git.commitAndPush(deployBuilder(desired(), 'ours\n'));
    const h = await humanCommit(url, { 'apps/acme/web/kustomization.yaml': 'x: 1\n', 'README.md': 'r\n' }, 'human');
    const list = await git.commitsSince(base);
    expect(list.map((c) => c.sha)).toEqual([a.sha, h]);
    expect(list[1].changedPaths.sort()).toEqual(['README.md', 'apps/acme/web/kustomization.yaml']);
    expect(list[1].author.email).toBe('human@example.com');
    expect(list[0].changedPaths.sort()).toEqual(Object.values(serviceFilePaths('acme', 'web')).sort());
    // The importer asks for paths of outside commits only: Kubidu's own come back without them.
    const lean = await git.commitsSince(base, { pathsFor: (m) => m.startsWith('human') });
    expect(lean.map((c) => [c.sha, c.changedPaths])).toEqual([[a.sha, []], [h, ['README.md', 'apps/acme/web/kustomization.yaml']]]);
    expect(await git.isDescendant(h, base!)).toBe(true);
    expect(await git.isDescendant(base!, h)).toBe(false);
    expect(await git.readFile(a.sha!, 'apps/acme/web/kustomization.yaml')).toContain('newTag: "1.4.2"');
    expect(await git.readFile('main', 'apps/acme/web/kustomization.yaml')).toBe('x: 1\n');
  });
});

describe('building on the remembered tip while the remote confirms it', () => {
  const refsRequests = () => srv.requests['info-refs'] ?? 0;

  it('a second commit right after ours is built at once, confirmed by one advertisement, pushed once', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    await git.commitAndPush(deployBuilder(desired({ image: 'ghcr.io/acme/web:1' }), 'one\n'));
    const before = refsRequests();
    const pushesBefore = srv.requests['receive-pack'] ?? 0;
    // The remote answers no advertisement until the build has run: an adapter that waited for the
    // answer before building would sit until the safety release and see it answered.
    const answered = () => srv.requests['answered-info-refs'] ?? 0;
    const answeredBefore = answered();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const safety = setTimeout(release, 20_000);
    srv.holdAnswers('info-refs', released);
    let answeredAtBuild = -1;
    let r: Awaited<ReturnType<GitAdapter['commitAndPush']>>;
    try {
      r = await git.commitAndPush(async (view) => {
        answeredAtBuild = answered() - answeredBefore;
        release();
        return deployBuilder(desired({ image: 'ghcr.io/acme/web:2' }), 'two\n')(view);
      });
    } finally {
      clearTimeout(safety);
      srv.holdAnswers('info-refs', null);
    }
    expect(r.attempts).toBe(1);
    expect(answeredAtBuild, 'built while the advertisement was still unanswered').toBe(0);
    expect(refsRequests() - before).toBe(1);
    expect((srv.requests['receive-pack'] ?? 0) - pushesBefore).toBe(1);
    expect((await gitCli(bare, 'rev-parse', 'main')).trim()).toBe(r.sha);
  });

  it('an outside push since: the build on the remembered tip is dropped before any push, rebuilt on the real tip, the outside commit kept', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    await git.commitAndPush(deployBuilder(desired({ image: 'ghcr.io/acme/web:1' }), 'one\n'));
    const theirs = await humanCommit(url, { 'apps/other/api/notes.md': 'hand edit\n' }, 'hand edit of another service');
    const pushesBefore = srv.requests['receive-pack'] ?? 0;
    const r = await git.commitAndPush(deployBuilder(desired({ image: 'ghcr.io/acme/web:2' }), 'two\n'));
    expect(r.attempts).toBe(1);
    expect((srv.requests['receive-pack'] ?? 0) - pushesBefore).toBe(1); // no refused push
    expect((await gitCli(bare, 'log', '--format=%H %P', '-1')).trim()).toBe(`${r.sha} ${theirs}`);
  });

  it('a hand edit of the same file before our change is no conflict: the remembered base is dropped, the real tip is the base', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    await git.commitAndPush(deployBuilder(desired({ image: 'ghcr.io/acme/web:1' }), 'deploy 1\n'));
    const clone = await cloneFresh(url);
    const k = join(clone, serviceFilePaths('acme', 'web').kustomization);
    writeFileSync(k, readFileSync(k, 'utf8').replace('newTag: "1"', 'newTag: "9"'));
    await gitCli(clone, 'commit', '-qam', 'hand edit: tag 9');
    await gitCli(clone, 'push', '-q', 'origin', 'main');
    const hand = (await gitCli(clone, 'rev-parse', 'HEAD')).trim();
    const r = await git.commitAndPush(deployBuilder(desired({ image: 'ghcr.io/acme/web:2' }), 'deploy 2\n'));
    expect(r).toMatchObject({ pushed: true, attempts: 1 });
    expect((await gitCli(bare, 'log', '--format=%H %P', '-1')).trim()).toBe(`${r.sha} ${hand}`);
    expect(await git.readFile('main', serviceFilePaths('acme', 'web').kustomization)).toContain('newTag: "2"');
  });

  it('"nothing to change" is never decided on a remembered tip', async () => {
    const { url, bare } = newRepo();
    const git = adapter(url);
    const a = desired({ image: 'ghcr.io/acme/web:1' });
    await git.commitAndPush(deployBuilder(a, 'deploy 1\n'));
    // Someone changes our service by hand; asking for image 1 again must put it back, not say "no change".
    const clone = await cloneFresh(url);
    const k = join(clone, serviceFilePaths('acme', 'web').kustomization);
    writeFileSync(k, readFileSync(k, 'utf8').replace('newTag: "1"', 'newTag: "9"'));
    await gitCli(clone, 'commit', '-qam', 'hand edit: tag 9');
    await gitCli(clone, 'push', '-q', 'origin', 'main');
    const r = await git.commitAndPush(deployBuilder(a, 'rollback to 1\n'));
    expect(r.noop).toBe(false);
    expect(r.attempts).toBe(1);
    expect(await git.readFile('main', serviceFilePaths('acme', 'web').kustomization)).toContain('newTag: "1"');
    expect((await gitCli(bare, 'log', '--format=%s', '-1')).trim()).toBe('rollback to 1');
    // And a real no-change on a fresh tip is still a noop.
    const again = await git.commitAndPush(deployBuilder(a, 'rollback to 1 again\n'));
    expect(again).toMatchObject({ noop: true, pushed: false });
  });

  it('the same holds for a batch: queued changes whose state the remembered tip already has are checked on the real tip', async () => {
    const { url } = newRepo();
    const git = adapter(url, { maxBatch: 8 });
    const svc = (i: number, tag: string) => desired({ service: `s${i}`, image: `ghcr.io/acme/s${i}:${tag}`, deploymentId: `d-${i}-${tag}` });
    await Promise.all([0, 1, 2].map((i) => git.commitAndPush(deployBuilder(svc(i, '1'), `s${i} 1\n`))));
    const clone = await cloneFresh(url);
    const k = join(clone, serviceFilePaths('acme', 's1').kustomization);
    writeFileSync(k, readFileSync(k, 'utf8').replace('newTag: "1"', 'newTag: "9"'));
    await gitCli(clone, 'commit', '-qam', 'hand edit s1');
    await gitCli(clone, 'push', '-q', 'origin', 'main');
    const rs = await Promise.all([0, 1, 2].map((i) => git.commitAndPush(deployBuilder(svc(i, '1'), `s${i} again\n`))));
    expect(rs.map((r) => r.noop)).toEqual([true, false, true]);
    expect(await git.readFile('main', serviceFilePaths('acme', 's1').kustomization)).toContain('newTag: "1"');
  });
});

describe('the git door on a shallow store', () => {
  it('commitsSince from the shallow tip fetches what is new and never deepens the store for it', async () => {
    const { url } = newRepo();
    const writer = adapter(url);
    for (let i = 0; i < 5; i++) await writer.commitAndPush(deployBuilder(desired({ service: `h${i}` }), `h${i}\n`));
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-cache-'));
    const door = adapter(url, { cacheDir }); // a fresh store: depth 1
    const since = (await door.fetchTip())!;
    const boundary = readFileSync(join(cacheDir, 'shallow'), 'utf8');
    expect(boundary.trim()).toBe(since);
    const h = await humanCommit(url, { 'README.md': 'by hand\n' }, 'hand edit');
    const list = await door.commitsSince(since);
    expect(list.map((c) => c.sha)).toEqual([h]);
    expect(readFileSync(join(cacheDir, 'shallow'), 'utf8')).toBe(boundary); // not deepened
  });
});

describe('store lifecycle', () => {
  it('commits into an empty remote (no branch yet) as a root commit', async () => {
    const name = `empty${++n}`;
    const bare = srv.createBareRepo(name);
    const git = adapter(srv.url(name));
    expect(await git.fetchTip()).toBeNull();
    const r = await git.commitAndPush(deployBuilder(desired(), 'first\n'));
    expect(r.pushed).toBe(true);
    expect((await gitCli(bare, 'rev-list', '--parents', 'main')).trim()).toBe(r.sha);
  });

  it('a big folder tree goes as a thin delta the remote accepts (fsck, clone)', async () => {
    const name = `big${++n}`;
    const bare = srv.createBareRepo(name, {
      seed: (wt) => {
        for (let i = 0; i < 400; i++) {
          mkdirSync(join(wt, `apps/acme/svc-${String(i).padStart(4, '0')}`), { recursive: true });
          writeFileSync(join(wt, `apps/acme/svc-${String(i).padStart(4, '0')}/kustomization.yaml`), `# ${i}\nresources: []\n`);
        }
      },
    });
    const git = adapter(srv.url(name));
    for (const svc of ['svc-0007', 'svc-0399', 'aaa-new', 'zzz-new']) {
      await git.commitAndPush(deployBuilder(desired({ service: svc }), `deploy ${svc}\n`));
    }
    await git.commitAndPush(async () => ({ files: [{ path: 'apps/acme/svc-0100/kustomization.yaml', content: null }], message: 'remove one\n' }));
    await gitCli(bare, 'fsck', '--strict');
    const clone = await cloneFresh(srv.url(name));
    const ls = (await gitCli(clone, 'ls-tree', '--name-only', 'HEAD', 'apps/acme/')).trim().split('\n');
    expect(ls).toHaveLength(400 + 2 - 1);
    expect(ls[0]).toBe('apps/acme/aaa-new');
    expect(ls).not.toContain('apps/acme/svc-0100');
    expect(readFileSync(join(clone, 'apps/acme/svc-0399/kustomization.yaml'), 'utf8')).toContain('svc-0399');
  });

  it('an invalid planned path is a terminal error and pushes nothing', async () => {
    const { url, bare } = newRepo();
    const before = (await gitCli(bare, 'rev-parse', 'main')).trim();
    const git = adapter(url);
    for (const path of ['../escape.yaml', 'apps/../x', '.git/config', 'README.md/child']) {
      const err = await git.commitAndPush(async () => ({ files: [{ path, content: 'x' }], message: 'bad\n' })).catch((e) => e);
      expect(err).toBeInstanceOf(GitInvalidChangeError);
      expect(err.retryable).toBe(false);
    }
    expect((await gitCli(bare, 'rev-parse', 'main')).trim()).toBe(before);
  });

  it('maintain() compacts the cache into one pack and later commits still work', async () => {
    const { url, bare } = newRepo();
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-cache-'));
    const git = createGitAdapter({ url, branch: 'main', cacheDir, maintainEvery: 3 });
    for (let i = 0; i < 4; i++) {
      await git.commitAndPush(deployBuilder(desired({ service: `m${i}` }), `c${i}\n`));
      await humanCommit(url, { [`notes/${i}.md`]: `${i}\n` }, `h${i}`);
    }
    await git.maintain();
    const count = await gitCli(cacheDir, 'count-objects', '-v');
    expect(count).toMatch(/^count: 0$/m);
    expect(count).toMatch(/^packs: 1$/m);
    const r = await git.commitAndPush(deployBuilder(desired({ service: 'after' }), 'after\n'));
    expect((await gitCli(bare, 'rev-parse', 'main')).trim()).toBe(r.sha);
    expect(await git.readFile('main', 'notes/3.md')).toBe('3\n');
    await gitCli(cacheDir, 'fsck', '--connectivity-only');
  });
});

describe('automatic maintenance', () => {
  it('runs in the background while commits keep landing: none waits for it, none is lost, the store stays whole', async () => {
    const { url, bare } = newRepo();
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-cache-'));
    const git = createGitAdapter({ url, branch: 'main', cacheDir, maintainEvery: 2, maxBatch: 4 });
    const results = [];
    for (let round = 0; round < 6; round++) {
      results.push(...(await Promise.all([0, 1, 2].map((i) => git.commitAndPush(deployBuilder(desired({ service: `bg${i}`, image: `ghcr.io/acme/bg${i}:${round}` }), `bg${i} ${round}\n`))))));
    }
    expect(results.every((r) => r.pushed)).toBe(true);
    await git.maintain(); // waits for a background run still going, then compacts
    expect(await gitCli(cacheDir, 'count-objects', '-v')).toMatch(/^packs: 1$/m);
    await gitCli(cacheDir, 'fsck', '--connectivity-only');
    const log = (await gitCli(bare, 'log', '--format=%s', '-18')).trim().split('\n');
    expect(new Set(log).size).toBe(18);
    for (let i = 0; i < 3; i++) expect(await git.readFile('main', serviceFilePaths('acme', `bg${i}`).kustomization)).toContain('newTag: "5"');
  });
});

describe('remote failures', () => {
  it('wrong credentials are a GitAuthError and never echo the secret', async () => {
    const authSrv = await startGitHttpServer({ basicAuth: { username: 'kubidu', password: 's3cr3t-pass' } });
    try {
      authSrv.createBareRepo('a', { withLayout: true });
      const good = createGitAdapter({ url: authSrv.url('a'), branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')), auth: { username: 'kubidu', password: 's3cr3t-pass' } });
      expect((await good.commitAndPush(deployBuilder(desired(), 'ok\n'))).pushed).toBe(true);
      const inUrl = authSrv.url('a').replace('http://', 'http://kubidu:s3cr3t-pass@');
      const viaUrl = createGitAdapter({ url: inUrl, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')) });
      expect(await viaUrl.fetchTip()).toMatch(/^[0-9a-f]{40}$/);

      const bad = createGitAdapter({ url: authSrv.url('a').replace('http://', 'http://kubidu:wrong-pass-123@'), branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')) });
      const err = await bad.commitAndPush(deployBuilder(desired(), 'x\n')).catch((e) => e);
      expect(err).toBeInstanceOf(GitAuthError);
      expect(err.retryable).toBe(false);
      expect(err.message).not.toContain('wrong-pass-123');
      expect(String(err.stack)).not.toContain('wrong-pass-123');

      authSrv.setDown(true);
      const down = await viaUrl.commitAndPush(deployBuilder(desired(), 'x\n')).catch((e) => e);
      expect(down).toBeInstanceOf(GitRemoteUnavailableError);
      expect(down.message).toMatch(/unreachable/);
      expect(down.message).not.toContain('s3cr3t-pass');
      authSrv.setDown(false);
    } finally {
      await authSrv.stop();
    }
  });

  it('the fetch itself failing (native git fetch, after a good advertisement) maps to the same errors, secret-free', async () => {
    const srv = await startGitHttpServer({ basicAuth: { username: 'kubidu', password: 'fetch-secret-77' } });
    try {
      srv.createBareRepo('f', { withLayout: true });
      const fresh = () => createGitAdapter({ url: srv.url('f'), branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')), auth: { username: 'kubidu', password: 'fetch-secret-77' } });
      srv.failService('upload-pack', 503);
      const down = await fresh().fetchTip().catch((e) => e);
      expect(down).toBeInstanceOf(GitRemoteUnavailableError);
      expect(down.message).toMatch(/unreachable \(HTTP 503\)/);
      srv.failService('upload-pack', 401);
      const refused = await fresh().fetchTip().catch((e) => e);
      expect(refused).toBeInstanceOf(GitAuthError);
      expect(refused.retryable).toBe(false);
      for (const e of [down, refused]) {
        expect(e.message).not.toContain('fetch-secret-77');
        expect(e.message).not.toContain(Buffer.from('kubidu:fetch-secret-77').toString('base64'));
      }
      srv.failService('upload-pack', null);
      expect(await fresh().fetchTip()).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await srv.stop();
    }
  });

  it('no git command on the PATH: a clear GitRepositoryError naming what is missing', async () => {
    const { url } = newRepo();
    const git = adapter(url);
    const path = process.env.PATH;
    let err: unknown;
    try {
      process.env.PATH = mkdtempSync(join(tmpdir(), 'no-git-')); // an empty folder: nothing to run
      err = await git.fetchTip().catch((e) => e);
    } finally {
      process.env.PATH = path;
    }
    expect(err).toBeInstanceOf(GitRepositoryError);
    expect((err as Error).message).toMatch(/needs the git command on its PATH/);
    expect(await git.fetchTip()).toMatch(/^[0-9a-f]{40}$/); // and it recovers once git is there
  });

  it('a remote that refuses connections is GitRemoteUnavailableError (retryable)', async () => {
    const gone = await startGitHttpServer();
    const url = gone.url('x').replace('http://', 'http://u:tok-abcdef@');
    await gone.stop();
    const git = createGitAdapter({ url, branch: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'c-')), auth: { token: 'tok-zzz' } });
    const err = await git.fetchTip().catch((e) => e);
    expect(err).toBeInstanceOf(GitRemoteUnavailableError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/unreachable/);
    expect(err.message).not.toContain('tok-abcdef');
  });
});

describe('the local copy of a push', () => {
  it('is read from memory while its loose objects are written, and the local ref moves only once they are on disk', async () => {
    const { url } = newRepo();
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubidu-cache-'));
    const git = adapter(url, { cacheDir });
    const d = desired({ deploymentId: 'dep-persist-1' });
    const m = formatCommitMessage({ kind: 'deploy', project: 'acme', service: 'web', image: d.image, actor: 'alice@example.com', deploymentId: d.deploymentId });
    const first = await git.commitAndPush(deployBuilder(d, m));
    // Many services at once: enough loose objects that writing them outlasts the push.
    const many: ChangeBuilder = async () => ({
      files: Array.from({ length: 300 }, (_, i) => ({ path: `apps/acme/s${i}/kustomization.yaml`, content: `# service ${i}\nresources: []\n` })),
      message: 'many services',
    });
    const r = await git.commitAndPush(many);
    // Right after the push: the commit reads back (from memory or disk) with no fetch.
    expect(await git.readFile(r.sha!, 'apps/acme/s299/kustomization.yaml')).toBe('# service 299\nresources: []\n');
    // A fetch waits for the local copy: afterwards the local ref is the pushed commit, and git
    // itself finds every object of it in the cache (nothing referenced is missing).
    expect(await git.fetchTip()).toBe(r.sha);
    expect((await gitCli(cacheDir, 'rev-parse', 'refs/heads/main')).trim()).toBe(r.sha);
    await gitCli(cacheDir, 'cat-file', '-e', `${r.sha}:apps/acme/s299/kustomization.yaml`);
    const fsck = await gitCli(cacheDir, 'fsck', '--connectivity-only', '--no-dangling', r.sha!).catch((e: Error) => e.message);
    expect(fsck).not.toMatch(/missing/);
    expect(first.sha).not.toBe(r.sha);
  });
});
