/**
 * The object store the write path reads: loose objects, then packs read in place
 * (packs.ts), then the objects of a batch still being built. Parsed trees and the
 * trees Kubidu made are kept in two LRUs bounded by count and by bytes, so the next
 * commit on a tip needs no read and no re-parse of a 10,000-entry folder.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { GitRepositoryError } from './errors.js';
import { MODE_TREE, parseCommit, parseTree, readLoose, type ObjectType, type ParsedCommit, type ParsedTree, type RawObject } from './objects.js';
import { PackStore } from './packs.js';

/** Git's well-known empty tree: always "present", whatever the store holds. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** Raw bytes of trees each tree cache may hold (parsed trees cost several times more in memory). */
const TREE_CACHE_BYTES = 4 * 1024 * 1024;
/**
 * Trees each cache may hold. Service folders are tiny (three entries) and a release rollback
 * touches a thousand of them, each read by the renderer, the commit builder and the tree
 * edit: a small count bound made it read and parse each of them three times.
 */
const TREE_CACHE_COUNT = 4096;
/** Bytes of blobs Kubidu wrote that are kept for the next render (10,000 kustomization.yaml are ~10 MB). */
const BLOB_CACHE_BYTES = 16 * 1024 * 1024;

/** An object the store does not hold: history walks catch it to deepen a shallow store. */
export class MissingObjectError extends GitRepositoryError {
  constructor(readonly oid: string) {
    super(`object ${oid} is missing from the local object store`);
  }
}

/** Reads objects from a git dir (loose objects, then packs read in place: packs.ts) with a parsed-tree cache. */
export class ObjectStore {
  private trees = new Map<string, ParsedTree>();
  private rawTrees = new Map<string, Buffer>();
  private commits = new Map<string, ParsedCommit>();
  private blobs = new Map<string, Buffer>();
  private blobBytes = 0;
  private rawBytes = 0;
  private treeBytes = 0;
  /** Objects of a batch being built (not written yet): later commits of the batch read earlier ones here. */
  readonly pending = new Map<string, RawObject>();
  /** Objects already pushed whose loose files are still being written (remote-http.ts): read here meanwhile. */
  readonly writing = new Map<string, RawObject>();
  private readonly packs: PackStore;
  constructor(readonly gitdir: string) {
    this.packs = new PackStore(gitdir, (oid) => this.readOrNull(oid));
  }

  private async readOrNull(oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
    const p = this.pending.get(oid) ?? this.writing.get(oid);
    if (p) return { type: p.type, content: p.content };
    const blob = this.blobs.get(oid);
    if (blob) return { type: 'blob', content: blob };
    // Most objects are packed: look in the packs already scanned first (an index search in
    // memory), so a packed object costs no failed open of a loose path.
    const packed = await this.packs.readKnown(oid);
    if (packed) return packed;
    const loose = await readLoose(this.gitdir, oid);
    if (loose) return loose;
    if (oid === EMPTY_TREE) return { type: 'tree', content: Buffer.alloc(0) };
    return this.packs.read(oid);
  }

  async read(oid: string): Promise<{ type: ObjectType; content: Buffer }> {
    const o = await this.readOrNull(oid);
    if (!o) throw new MissingObjectError(oid);
    return o;
  }

  async has(oid: string): Promise<boolean> {
    if (this.pending.has(oid) || this.writing.has(oid) || oid === EMPTY_TREE) return true;
    try {
      await fsp.access(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
      return true;
    } catch {
      return this.packs.has(oid);
    }
  }

  /** After a fetch or a repack: packs came and went. Parsed trees stay valid (objects are immutable). */
  packsChanged(): Promise<void> {
    return this.packs.refresh();
  }

  /**
   * Remembers a tree or a blob we created so the next commit on top of it needs no read: a
   * release rollback of a thousand services reads back the thousand kustomization.yaml the
   * last one wrote (blobs are kept up to BLOB_CACHE_BYTES, oldest out first).
   */
  remember(obj: RawObject) {
    if (obj.type === 'blob') {
      if (obj.content.length > BLOB_CACHE_BYTES / 64 || this.blobs.has(obj.oid)) return;
      this.blobs.set(obj.oid, obj.content);
      this.blobBytes += obj.content.length;
      while (this.blobBytes > BLOB_CACHE_BYTES) {
        const [k, v] = this.blobs.entries().next().value as [string, Buffer];
        this.blobs.delete(k);
        this.blobBytes -= v.length;
      }
      return;
    }
    if (obj.type !== 'tree') return;
    // A tree made again (a rollback rebuilds an earlier version) is counted once: drop the old entry first.
    const old = this.rawTrees.get(obj.oid);
    if (old) {
      this.rawBytes -= old.length;
      this.rawTrees.delete(obj.oid);
    }
    this.rawTrees.set(obj.oid, obj.content);
    this.rawBytes += obj.content.length;
    // Bounded by count and by bytes: a 10,000-entry folder is ~360 KB per version.
    while (this.rawTrees.size > TREE_CACHE_COUNT || (this.rawBytes > TREE_CACHE_BYTES && this.rawTrees.size > 1)) {
      const k = this.rawTrees.keys().next().value as string;
      this.rawBytes -= this.rawTrees.get(k)!.length;
      this.rawTrees.delete(k);
    }
  }

  /** A parsed tree from the cache (marked recently used), or undefined: no promise on the hot path. */
  private cachedTree(oid: string): ParsedTree | undefined {
    const hit = this.trees.get(oid);
    if (hit) {
      this.trees.delete(oid);
      this.trees.set(oid, hit);
    }
    return hit;
  }

  async tree(oid: string): Promise<ParsedTree> {
    const hit = this.cachedTree(oid);
    if (hit) return hit;
    let raw = this.rawTrees.get(oid);
    if (!raw) {
      const o = await this.read(oid);
      if (o.type !== 'tree') throw new GitRepositoryError(`object ${oid} is a ${o.type}, expected a tree`);
      raw = o.content;
    }
    return this.keepParsed(oid, parseTree(raw));
  }

  /** Adds a parsed tree to the LRU (also used for trees derived from their parent version without a parse). */
  keepParsed(oid: string, t: ParsedTree): ParsedTree {
    if (this.trees.has(oid)) return this.trees.get(oid)!;
    this.trees.set(oid, t);
    this.treeBytes += t.raw.length;
    // A parsed tree costs several times its raw size (an object and strings per entry), so
    // the LRU is bounded by bytes as well as by count: every commit makes a new version of
    // the folder it touches, and at 10,000 services each version is a 10,000-entry tree.
    while (this.trees.size > TREE_CACHE_COUNT || (this.treeBytes > TREE_CACHE_BYTES && this.trees.size > 1)) {
      const k = this.trees.keys().next().value as string;
      this.treeBytes -= this.trees.get(k)!.raw.length;
      this.trees.delete(k);
    }
    return t;
  }

  async commit(oid: string): Promise<ParsedCommit> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    const o = await this.read(oid);
    if (o.type !== 'commit') throw new GitRepositoryError(`object ${oid} is a ${o.type}, expected a commit`);
    const c = parseCommit(o.content);
    // Every file read on a tip starts at its commit: the last few parsed commits are kept.
    this.commits.set(oid, c);
    if (this.commits.size > 64) this.commits.delete(this.commits.keys().next().value as string);
    return c;
  }

  /** The root tree of a commit (null for no commit: an empty branch). */
  async rootOf(commit: string | null): Promise<string | null> {
    if (!commit) return null;
    return (await this.commit(commit)).tree;
  }

  /** The oid at a path under a root tree (null when absent or there is no root). */
  async oidAt(root: string | null, path: string): Promise<string | null> {
    if (!root) return null;
    return (await this.entryAt(root, path))?.oid ?? null;
  }

  /** The entry (mode + oid) at a path under a root tree, or null. */
  async entryAt(rootTree: string, path: string): Promise<{ mode: string; oid: string } | null> {
    const parts = path.split('/');
    let cur = rootTree;
    for (let i = 0; i < parts.length; i++) {
      // A release reads three files in each of a thousand folders, four levels down: the levels
      // already parsed are taken without an await each.
      const t = this.cachedTree(cur) ?? (await this.tree(cur));
      const idx = t.byName.get(parts[i]);
      if (idx === undefined) return null;
      const e = t.entries[idx];
      if (i === parts.length - 1) return { mode: e.mode, oid: e.oid };
      if (e.mode !== MODE_TREE) return null;
      cur = e.oid;
    }
    return null;
  }
}
