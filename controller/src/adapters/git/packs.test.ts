import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PackStore, type PackObject } from './packs.js';
import { hashObject, readLoose } from './objects.js';

const run = promisify(execFile);
const ENV = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd, env: ENV, maxBuffer: 64 << 20 })).stdout;

/** Every object git itself sees in `gitdir`, read back with `git cat-file --batch` (type + exact bytes). */
async function allObjects(gitdir: string): Promise<Map<string, PackObject>> {
  const ids = (await git(gitdir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)')).trim().split('\n');
  const out = await new Promise<Buffer>((resolve, reject) => {
    const p = spawn('git', ['cat-file', '--batch'], { cwd: gitdir });
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', () => resolve(Buffer.concat(chunks)));
    p.stdin.end(ids.join('\n') + '\n');
  });
  const objects = new Map<string, PackObject>();
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(0x0a, at);
    const [oid, type, size] = out.toString('latin1', at, nl).split(' ');
    const content = out.subarray(nl + 1, nl + 1 + Number(size));
    objects.set(oid, { type: type as PackObject['type'], content: Buffer.from(content) });
    at = nl + 1 + Number(size) + 1;
  }
  return objects;
}

/**
 * A repo whose history makes git delta-compress: one folder of 300 service files
 * edited a few lines at a time over 60 commits (trees and blobs both become deltas).
 */
async function makeRepo(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-packs-'));
  await git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'apps'));
  const body = (i: number, v: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-${i}\n` + 'spec:\n  replicas: 2\n'.repeat(40) + `image: ghcr.io/acme/svc-${i}:${v}\n`;
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'apps', `svc-${i}.yaml`), body(i, 0));
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'seed');
  for (let c = 1; c <= 60; c++) {
    for (let k = 0; k < 3; k++) writeFileSync(join(dir, 'apps', `svc-${(c * 7 + k * 13) % 300}.yaml`), body((c * 7 + k * 13) % 300, c));
    await git(dir, 'commit', '-q', '-am', `change ${c}`);
  }
  return dir;
}

describe('PackStore reads packs in place', () => {
  let dir: string;
  let expected: Map<string, PackObject>;
  beforeAll(async () => {
    dir = await makeRepo();
    expected = await allObjects(join(dir, '.git'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function checkAll(gitdir: string) {
    const store = new PackStore(gitdir, async (oid) => readLoose(gitdir, oid));
    let n = 0;
    for (const [oid, want] of expected) {
      const got = await store.read(oid);
      expect(got, oid).not.toBeNull();
      expect(got!.type).toBe(want.type);
      expect(got!.content.equals(want.content), `${oid} content`).toBe(true);
      expect(hashObject(got!.type, got!.content)).toBe(oid);
      n++;
    }
    expect(n).toBe(expected.size);
  }

  it('OFS_DELTA packs (git gc --aggressive): every object byte for byte', async () => {
    await git(dir, 'gc', '-q', '--aggressive', '--prune=now');
    const stats = (await git(join(dir, '.git'), 'count-objects', '-v')).toString();
    expect(stats).toMatch(/^count: 0$/m);
    const packs = (await run('sh', ['-c', `git verify-pack -v ${join(dir, '.git/objects/pack')}/*.idx`])).stdout;
    expect(packs).toMatch(/chain length = [2-9]/); // deltas of deltas really are exercised
    await checkAll(join(dir, '.git'));
  }, 60_000);

  it('REF_DELTA packs (no delta-base-offset): every object byte for byte', async () => {
    await git(dir, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-a', '-d', '-f', '-q');
    await checkAll(join(dir, '.git'));
  }, 60_000);

  it('finds objects in several packs and in packs written after it started; misses are null', async () => {
    const gitdir = join(dir, '.git');
    const store = new PackStore(gitdir, async (oid) => readLoose(gitdir, oid));
    const tip = (await git(dir, 'rev-parse', 'HEAD')).trim();
    expect((await store.read(tip))?.type).toBe('commit');
    expect(await store.read('0123456789abcdef0123456789abcdef01234567')).toBeNull();
    expect(await store.has('0123456789abcdef0123456789abcdef01234567')).toBe(false);
    // A new commit lands as a second pack (as a fetch would leave it) while the store is open.
    writeFileSync(join(dir, 'apps', 'svc-1.yaml'), 'new content\n');
    await git(dir, 'commit', '-q', '-am', 'after');
    await git(dir, 'repack', '-d', '-q'); // incremental: packs only the loose objects
    const after = (await git(dir, 'rev-parse', 'HEAD')).trim();
    expect((await run('sh', ['-c', `ls ${gitdir}/objects/pack/*.pack | wc -l`])).stdout.trim()).toBe('2');
    expect(await store.has(after)).toBe(true);
    const blob = (await git(dir, 'rev-parse', 'HEAD:apps/svc-1.yaml')).trim();
    expect((await store.read(blob))!.content.toString()).toBe('new content\n');
    // Repack everything into one pack and drop the old ones: reads keep working after refresh.
    await git(dir, 'repack', '-a', '-d', '-q');
    // No refresh: the pack it knew is gone, the read notices (ENOENT), rescans and finds the new one.
    expect((await store.read(tip))?.type).toBe('commit');
    expect((await store.read(blob))!.content.toString()).toBe('new content\n');
  }, 60_000);

  it('keeps one handle per pack however many objects it reads', async () => {
    const gitdir = join(dir, '.git');
    const store = new PackStore(gitdir, async (oid) => readLoose(gitdir, oid));
    const openPacks = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).endsWith('.pack');
      } catch {
        return false;
      }
    }).length;
    const before = openPacks();
    const packs = readdirSync(join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
    await Promise.all([...expected.keys()].slice(0, 200).map((oid) => store.read(oid)));
    for (const oid of [...expected.keys()].slice(0, 200)) await store.read(oid);
    expect(openPacks() - before).toBeGreaterThan(0);
    expect(openPacks() - before).toBeLessThanOrEqual(packs);
  });

  it('refuses a pack index it cannot read with a clear message', async () => {
    const gitdir = mkdtempSync(join(tmpdir(), 'kubidu-badpack-'));
    try {
      mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
      writeFileSync(join(gitdir, 'objects', 'pack', 'pack-x.idx'), Buffer.alloc(2000));
      writeFileSync(join(gitdir, 'objects', 'pack', 'pack-x.pack'), Buffer.alloc(100));
      const store = new PackStore(gitdir, async () => null);
      await expect(store.read('0123456789abcdef0123456789abcdef01234567')).rejects.toThrow(/pack-x\.idx is not a version 2 index/);
    } finally {
      rmSync(gitdir, { recursive: true, force: true });
    }
  });
});
