/**
 * Reads objects out of a git dir's pack files without loading the packs.
 *
 * isomorphic-git's readObject keeps every pack it touches in memory as one
 * Buffer (a 10,000-service manifests repo is a ~60 MB pack) and parses its index
 * into a Map of strings, and a repack means doing it all again: that was most of
 * the controller's RSS (issue 8). Here a pack costs its `.idx` file (28 bytes per
 * object, searched in place) plus a sorted offset table (8 bytes per object); an
 * object read is one positional read of exactly its compressed bytes, inflated,
 * with deltas resolved against a small byte-bounded cache of bases.
 *
 * Format: gitformat-pack(5) — idx version 2 (what git has written since 1.5.2),
 * pack version 2/3, OFS_DELTA and REF_DELTA entries.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { applyDelta, type ObjectType } from './objects.js';
import { GitRepositoryError } from './errors.js';

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
const IDX_MAGIC = 0xff744f63;
/** Resolved delta bases kept for the next read of the same chain. */
const BASE_CACHE_BYTES = 8 * 1024 * 1024;
const MAX_CHAIN = 10_000;
const openFd = promisify(fs.open);
const readFd = promisify(fs.read);
/** Pack files are plain descriptors (a FileHandle collected while open warns): closed when their Pack is collected. */
const closeOnCollect = new FinalizationRegistry<number>((fd) => fs.close(fd, () => undefined));

export interface PackObject {
  type: ObjectType;
  content: Buffer;
}

/**
 * One pack: its index (searched in place) and the pack file, opened once on its
 * first read and kept open (a release reads thousands of objects; an open and a
 * close per read were most of its time). A pack a repack removed stays readable
 * through its open handle (objects are immutable) until the next scan retires it.
 */
class Pack {
  private sorted: Float64Array | null = null;
  private fd: Promise<number> | null = null;
  private constructor(
    readonly name: string,
    readonly path: string,
    private readonly idx: Buffer,
    private readonly packSize: number,
    readonly count: number,
  ) {}

  static async open(dir: string, name: string): Promise<Pack> {
    const idx = await fsp.readFile(join(dir, `${name}.idx`));
    if (idx.length < 8 + 1024 || idx.readUInt32BE(0) !== IDX_MAGIC || idx.readUInt32BE(4) !== 2) {
      throw new GitRepositoryError(`pack index ${name}.idx is not a version 2 index`);
    }
    const count = idx.readUInt32BE(8 + 255 * 4);
    if (idx.length < 8 + 1024 + count * 28 + 40) throw new GitRepositoryError(`pack index ${name}.idx is truncated`);
    const path = join(dir, `${name}.pack`);
    const { size } = await fsp.stat(path);
    return new Pack(name, path, idx, size, count);
  }

  /** The pack file's handle, opened on first use. */
  handle(): Promise<number> {
    if (!this.fd) {
      const opening = openFd(this.path, 'r').then((fd) => {
        // A store dropped without retiring its packs (tests make many) closes them when collected.
        closeOnCollect.register(this, fd, this);
        return fd;
      });
      opening.catch(() => (this.fd = null));
      this.fd = opening;
    }
    return this.fd;
  }

  /** Closes the file (the pack left the directory); reads still in flight get a moment to end. */
  retire() {
    const fd = this.fd;
    this.fd = null;
    if (!fd) return;
    closeOnCollect.unregister(this);
    setTimeout(() => void fd.then((n) => fs.close(n, () => undefined)).catch(() => undefined), 10_000).unref?.();
  }

  /** The pack offset of an object, or -1. Binary search in the index's sorted name table. */
  find(oid: Buffer): number {
    const first = oid[0];
    let lo = first === 0 ? 0 : this.idx.readUInt32BE(8 + (first - 1) * 4);
    let hi = this.idx.readUInt32BE(8 + first * 4);
    const names = 8 + 1024;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.idx.compare(oid, 0, 20, names + mid * 20, names + mid * 20 + 20);
      if (c === 0) return this.offsetAt(mid);
      if (c > 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }

  private offsetAt(i: number): number {
    const base = 8 + 1024 + this.count * 24;
    const v = this.idx.readUInt32BE(base + i * 4);
    if (!(v & 0x80000000)) return v;
    const large = base + this.count * 4 + (v & 0x7fffffff) * 8;
    return Number(this.idx.readBigUInt64BE(large));
  }

  /** Where the entry at `offset` ends: the next entry's offset, or the pack's trailing checksum. */
  private endOf(offset: number): number {
    if (!this.sorted) {
      const s = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) s[i] = this.offsetAt(i);
      s.sort();
      this.sorted = s;
    }
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < s.length ? s[lo] : this.packSize - 20;
  }

  /** The raw entry at an offset: its type code, inflated data, and its delta base when it is a delta. */
  async entry(fd: number, offset: number): Promise<{ code: number; data: Buffer; baseOffset?: number; baseOid?: string }> {
    const end = this.endOf(offset);
    const buf = Buffer.allocUnsafe(end - offset);
    const { bytesRead } = await readFd(fd, buf, 0, buf.length, offset);
    if (bytesRead !== buf.length) throw new GitRepositoryError(`pack ${this.name} is truncated at offset ${offset}`);
    let p = 0;
    let c = buf[p++];
    const code = (c >> 4) & 7;
    while (c & 0x80) c = buf[p++];
    let baseOffset: number | undefined;
    let baseOid: string | undefined;
    if (code === OFS_DELTA) {
      c = buf[p++];
      let rel = c & 0x7f;
      while (c & 0x80) {
        c = buf[p++];
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      baseOffset = offset - rel;
    } else if (code === REF_DELTA) {
      baseOid = buf.toString('hex', p, p + 20);
      p += 20;
    } else if (!TYPES[code]) {
      throw new GitRepositoryError(`pack ${this.name} has an entry of unknown type ${code} at offset ${offset}`);
    }
    const data = inflateSync(buf.subarray(p));
    return { code, data, baseOffset, baseOid };
  }
}

/**
 * All packs of one git dir. `read` answers null for an object no pack holds;
 * `refresh` picks up packs written since (fetch, repack) and drops removed ones.
 */
export class PackStore {
  private packs: Pack[] = [];
  private scanned = false;
  private bases = new Map<string, PackObject>();
  private baseBytes = 0;

  /** `resolveRef` reads a REF_DELTA base that lives outside the pack (loose, or another pack). */
  constructor(
    private readonly gitdir: string,
    private readonly resolveRef: (oid: string) => Promise<PackObject | null>,
  ) {}

  private get dir() {
    return join(this.gitdir, 'objects', 'pack');
  }

  private refreshing: Promise<void> | null = null;

  /** Re-reads the pack directory: reads the index of new packs, drops the ones that are gone. */
  refresh(): Promise<void> {
    // Concurrent reads that miss share one scan (two scans would open a pack twice).
    this.refreshing ??= this.scan().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = (await fsp.readdir(this.dir)).filter((f) => f.endsWith('.idx')).map((f) => f.slice(0, -4));
    } catch {
      names = [];
    }
    const want = new Set(names);
    const keep = this.packs.filter((p) => want.has(p.name));
    for (const p of this.packs) if (!want.has(p.name)) p.retire();
    const have = new Set(keep.map((p) => p.name));
    for (const n of names) {
      if (have.has(n)) continue;
      try {
        keep.push(await Pack.open(this.dir, n));
      } catch (err) {
        // A pack being written has its .idx renamed into place last; a missing .pack means it is
        // being removed. Either way it is not readable yet: skip it this time.
        if ((err as { code?: string }).code !== 'ENOENT') throw err;
      }
    }
    if (have.size < this.packs.length) {
      // A pack went away (repack): its cached bases are keyed by its name and offsets.
      this.bases.clear();
      this.baseBytes = 0;
    }
    // Biggest first: after a repack nearly everything is in one pack.
    this.packs = keep.sort((a, b) => b.count - a.count);
    this.scanned = true;
  }

  /** Where an object is, rescanning the pack directory once on a miss (a fetch or repack may have added it). */
  private async locate(oid: string): Promise<{ pack: Pack; offset: number } | null> {
    if (!this.scanned) await this.refresh();
    const hit = this.find(oid);
    if (hit) return hit;
    await this.refresh();
    return this.find(oid);
  }

  private find(oid: string): { pack: Pack; offset: number } | null {
    const key = Buffer.from(oid, 'hex');
    for (const pack of this.packs) {
      const offset = pack.find(key);
      if (offset >= 0) return { pack, offset };
    }
    return null;
  }

  /** Reads an object from the packs already scanned, without a rescan on a miss (null: not in them). */
  async readKnown(oid: string): Promise<PackObject | null> {
    if (!this.scanned) return null;
    const at = this.find(oid);
    if (!at) return null;
    try {
      return await this.resolve(at.pack, at.offset);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return null;
      throw err;
    }
  }

  async has(oid: string): Promise<boolean> {
    return (await this.locate(oid)) !== null;
  }

  async read(oid: string): Promise<PackObject | null> {
    for (let pass = 0; ; pass++) {
      const at = await this.locate(oid);
      if (!at) return null;
      try {
        return await this.readAt(at.pack, at.offset);
      } catch (err) {
        // A repack removed the pack between the scan and the read: rescan once and look again.
        if ((err as { code?: string }).code !== 'ENOENT' || pass > 0) throw err;
        await this.refresh();
      }
    }
  }

  private readAt(start: Pack, offset: number): Promise<PackObject> {
    return this.resolve(start, offset);
  }

  private async resolve(start: Pack, offset: number): Promise<PackObject> {
    let pack = start;
    // Walk down the delta chain to a whole object (or a cached base), then apply the deltas back up.
    const deltas: Buffer[] = [];
    const keys: string[] = [];
    let cur = offset;
    let base: PackObject | null = null;
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const key = `${pack.name}:${cur}`;
      const cached = this.bases.get(key);
      if (cached) {
        base = cached;
        break;
      }
      const e = await pack.entry(await pack.handle(), cur);
      if (e.baseOffset === undefined && e.baseOid === undefined) {
        base = { type: TYPES[e.code], content: e.data };
        if (deltas.length) this.keepBase(key, base);
        break;
      }
      deltas.push(e.data);
      keys.push(key);
      if (e.baseOffset !== undefined) {
        cur = e.baseOffset;
        continue;
      }
      // REF_DELTA: the base is named by id, usually in this pack (or another); else loose.
      const inPack = this.find(e.baseOid!);
      if (inPack) {
        pack = inPack.pack;
        cur = inPack.offset;
        continue;
      }
      const outside = await this.resolveRef(e.baseOid!);
      if (!outside) throw new GitRepositoryError(`pack ${pack.name}: delta base ${e.baseOid} is missing`);
      base = outside;
      break;
    }
    if (!base) throw new GitRepositoryError(`pack ${start.name}: delta chain at offset ${offset} is too long`);
    let content = base.content;
    for (let i = deltas.length - 1; i >= 0; i--) {
      content = applyDelta(content, deltas[i]);
      // Intermediate results are the bases other objects of the chain are most likely to need.
      if (i > 0) this.keepBase(keys[i], { type: base.type, content });
    }
    return { type: base.type, content };
  }

  private keepBase(key: string, obj: PackObject) {
    if (obj.content.length > BASE_CACHE_BYTES / 4) return;
    const old = this.bases.get(key);
    if (old) {
      this.bases.delete(key);
      this.baseBytes -= old.content.length;
    }
    this.bases.set(key, obj);
    this.baseBytes += obj.content.length;
    while (this.baseBytes > BASE_CACHE_BYTES) {
      const [k, v] = this.bases.entries().next().value as [string, PackObject];
      this.bases.delete(k);
      this.baseBytes -= v.content.length;
    }
  }
}
