import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitInvalidChangeError } from './errors.js';
import { makeObject, parseTree, writeLoose, type RawObject } from './objects.js';
import { ObjectStore } from './object-store.js';
import { buildTree, normPath } from './tree-edit.js';

/** A bare repo of our own (no remote): git's `ls-tree` is the judge of what buildTree wrote. */
function bareRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-tree-edit-'));
  execFileSync('git', ['init', '--quiet', '--bare', dir]);
  return dir;
}

function lsTree(gitdir: string, tree: string): string[] {
  const out = execFileSync('git', ['--git-dir', gitdir, 'ls-tree', '-r', '--full-tree', tree], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean);
}

async function apply(store: ObjectStore, root: string | null, files: Record<string, string | null>): Promise<{ root: string | null; written: RawObject[] }> {
  const changes = new Map<string, string | null>();
  const written: RawObject[] = [];
  for (const [p, content] of Object.entries(files)) {
    if (content === null) changes.set(p, null);
    else {
      const blob = makeObject('blob', Buffer.from(content));
      written.push(blob);
      changes.set(p, blob.oid);
    }
  }
  const out = await buildTree(store, root, changes, written);
  await writeLoose(store.gitdir, written);
  return { root: out, written };
}

describe('normPath', () => {
  it('normalises leading ./ and slashes, refuses paths that leave the repo or touch .git', () => {
    expect(normPath('./apps/web/values.yaml/')).toBe('apps/web/values.yaml');
    expect(normPath('/apps/web')).toBe('apps/web');
    for (const bad of ['', '/', 'a//b', 'a/./b', '../x', 'a/../b', '.git/config', 'a/.git']) {
      expect(() => normPath(bad), bad).toThrow(GitInvalidChangeError);
    }
  });
});

describe('buildTree', () => {
  it('writes the trees on the changed paths that git reads back, and an emptied folder goes away', async () => {
    const gitdir = bareRepo();
    const store = new ObjectStore(gitdir);
    const first = await apply(store, null, { 'apps/web/a.yaml': 'a: 1\n', 'apps/api/b.yaml': 'b: 1\n', 'README.md': 'hi\n' });
    const blob = (s: string) => makeObject('blob', Buffer.from(s)).oid;
    expect(lsTree(gitdir, first.root!)).toEqual([
      `100644 blob ${blob('hi\n')}\tREADME.md`,
      `100644 blob ${blob('b: 1\n')}\tapps/api/b.yaml`,
      `100644 blob ${blob('a: 1\n')}\tapps/web/a.yaml`,
    ]);

    const second = await apply(store, first.root, { 'apps/web/a.yaml': 'a: 2\n', 'apps/api/b.yaml': null });
    expect(lsTree(gitdir, second.root!)).toEqual([`100644 blob ${blob('hi\n')}\tREADME.md`, `100644 blob ${blob('a: 2\n')}\tapps/web/a.yaml`]);
    // Only the trees on the changed paths are new (root, apps, apps/web), each against its parent version.
    const trees = second.written.filter((o) => o.type === 'tree');
    expect(trees).toHaveLength(3);
    expect(trees.every((t) => t.deltaBase)).toBe(true);
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--no-dangling', '--strict'], { stdio: 'pipe' });
  });

  it('a tree derived from its parent version without a parse reads the same as a fresh parse', async () => {
    const gitdir = bareRepo();
    const store = new ObjectStore(gitdir);
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`apps/s${i}/v.yaml`] = `v: ${i}\n`;
    const first = await apply(store, null, files);
    const second = await apply(store, first.root, { 'apps/s7/v.yaml': 'v: changed\n' });
    const appsOid = (await store.entryAt(second.root!, 'apps'))!.oid;
    const cached = await store.tree(appsOid); // derived from the previous `apps` by replacing one oid
    const fresh = parseTree((await new ObjectStore(gitdir).read(appsOid)).content);
    expect(cached.entries.map(({ mode, name, oid }) => ({ mode, name, oid }))).toEqual(fresh.entries.map(({ mode, name, oid }) => ({ mode, name, oid })));
    expect(cached.raw.equals(fresh.raw)).toBe(true);
    expect((await store.entryAt(second.root!, 'apps/s7/v.yaml'))!.oid).toBe(makeObject('blob', Buffer.from('v: changed\n')).oid);
  });

  it('a file where a folder is (or the other way round) is a terminal GitInvalidChangeError', async () => {
    const gitdir = bareRepo();
    const store = new ObjectStore(gitdir);
    const { root } = await apply(store, null, { 'apps/web/a.yaml': 'a\n' });
    await expect(apply(store, root, { 'apps/web': 'x\n' })).rejects.toThrow(GitInvalidChangeError);
    await expect(apply(store, root, { 'apps/web/a.yaml/b': 'x\n' })).rejects.toThrow(GitInvalidChangeError);
  });
});
