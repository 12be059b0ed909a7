/**
 * Git object plumbing for the write path: hashing, tree parsing and splicing,
 * loose-object reads/writes and pack building. Kept free of any repository walk
 * so one commit costs the same whether the repo holds 10 or 10,000 services.
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync, deflate as deflateCb } from 'node:zlib';
import { promisify } from 'node:util';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

const deflateAsync = promisify(deflateCb);

/** Git's object kinds, with their pack type codes. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';
const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** An object ready to be stored and sent: what `writeTree`/`writeBlob` would create. */
export interface RawObject {
  oid: string;
  type: ObjectType;
  content: Buffer;
  /** A version the remote already has; the pack then carries a tiny delta against it instead of the whole object. */
  deltaBase?: { oid: string; content: Buffer };
}

/** The SHA-1 object id git would give this content. */
export function hashObject(type: ObjectType, content: Buffer): string {
  const h = createHash('sha1');
  h.update(`${type} ${content.length}\0`);
  h.update(content);
  return h.digest('hex');
}

/** Builds a RawObject (content + its oid). */
export function makeObject(type: ObjectType, content: Buffer): RawObject {
  return { oid: hashObject(type, content), type, content };
}

export const MODE_TREE = '40000';
export const MODE_FILE = '100644';

/** One entry of a parsed tree, with its byte span in the raw tree for splicing. */
export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
  start: number;
  end: number;
}

/** A parsed tree that keeps its raw bytes so one-entry edits are a splice, not a rewrite. */
export interface ParsedTree {
  raw: Buffer;
  entries: TreeEntry[];
  byName: Map<string, number>;
}

/** Parses a tree object's content. */
export function parseTree(raw: Buffer): ParsedTree {
  const entries: TreeEntry[] = [];
  const byName = new Map<string, number>();
  let i = 0;
  while (i < raw.length) {
    const start = i;
    const sp = raw.indexOf(0x20, i);
    const nul = raw.indexOf(0, sp);
    const mode = raw.toString('latin1', i, sp);
    const name = raw.toString('utf8', sp + 1, nul);
    const oid = raw.toString('hex', nul + 1, nul + 21);
    i = nul + 21;
    byName.set(name, entries.length);
    entries.push({ mode, name, oid, start, end: i });
  }
  return { raw, entries, byName };
}

function sortKey(name: string, mode: string): Buffer {
  return Buffer.from(mode === MODE_TREE ? name + '/' : name, 'utf8');
}

function encodeEntry(mode: string, name: string, oid: string): Buffer {
  return Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), Buffer.from(oid, 'hex')]);
}

/** An edit of one tree entry: set (mode + oid) or delete (null). */
export type TreeEdit = { mode: string; oid: string } | null;

/**
 * Applies edits to a tree by splicing its raw bytes: cost is one memcpy of the
 * tree, not a re-serialisation of every entry. Returns the new raw content
 * (empty buffer when every entry is gone).
 */
export function editTree(tree: ParsedTree | null, edits: Map<string, TreeEdit>): Buffer {
  const base = tree ?? { raw: Buffer.alloc(0), entries: [], byName: new Map() };
  // Replacements / deletions at existing positions, and inserts at sorted positions.
  type Op = { at: number; removeTo: number; insert: Buffer | null; key: Buffer };
  const ops: Op[] = [];
  for (const [name, edit] of edits) {
    const idx = base.byName.get(name);
    if (idx !== undefined) {
      const e = base.entries[idx];
      ops.push({ at: e.start, removeTo: e.end, insert: edit ? encodeEntry(edit.mode, name, edit.oid) : null, key: sortKey(name, e.mode) });
      if (edit && (edit.mode === MODE_TREE) !== (e.mode === MODE_TREE)) {
        throw new Error(`cannot change ${name} between file and directory`);
      }
    } else if (edit) {
      const key = sortKey(name, edit.mode);
      // Binary search the first entry whose key sorts after ours.
      let lo = 0;
      let hi = base.entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const m = base.entries[mid];
        if (Buffer.compare(sortKey(m.name, m.mode), key) < 0) lo = mid + 1;
        else hi = mid;
      }
      const at = lo < base.entries.length ? base.entries[lo].start : base.raw.length;
      ops.push({ at, removeTo: at, insert: encodeEntry(edit.mode, name, edit.oid), key });
    }
  }
  ops.sort((a, b) => a.at - b.at || Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  let pos = 0;
  for (const op of ops) {
    if (op.at > pos) parts.push(base.raw.subarray(pos, op.at));
    if (op.insert) parts.push(op.insert);
    pos = Math.max(pos, op.removeTo);
  }
  if (pos < base.raw.length) parts.push(base.raw.subarray(pos));
  return Buffer.concat(parts);
}

/** Reads a loose object straight from disk (null when it is not loose). */
export async function readLoose(gitdir: string, oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
  let data: Buffer;
  try {
    data = await fsp.readFile(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
  } catch {
    return null;
  }
  const buf = inflateSync(data);
  const sp = buf.indexOf(0x20);
  const nul = buf.indexOf(0, sp);
  return { type: buf.toString('latin1', 0, sp) as ObjectType, content: buf.subarray(nul + 1) };
}

/** Loose writes in flight at once: each holds a copy of its object and a zlib stream until it is on disk. */
const WRITE_CONCURRENCY = 4;

/**
 * Writes objects as loose objects (skipping ones already present), atomically by rename.
 * A chain of 64 commits at 10,000 services carries 64 versions of a 360 KB folder tree:
 * written all at once they were ~50 MB of transient native memory (copies + zlib state),
 * so at most WRITE_CONCURRENCY are in flight (libuv runs four zlib jobs at a time anyway).
 */
export async function writeLoose(gitdir: string, objects: RawObject[]): Promise<void> {
  let next = 0;
  const one = async (o: RawObject) => {
    const dir = join(gitdir, 'objects', o.oid.slice(0, 2));
    const file = join(dir, o.oid.slice(2));
    try {
      // Already there (a retried attempt, or the same content again): freshen it as git does,
      // so a prune next to us does not take it as an hour-old unreachable object.
      const now = new Date();
      await fsp.utimes(file, now, now);
      return;
    } catch {
      /* not there yet */
    }
    const body = await deflateAsync(Buffer.concat([Buffer.from(`${o.type} ${o.content.length}\0`), o.content]), { level: 1 });
    // A repack running next to us (`git prune-packed`, `git prune`) removes fan-out folders it
    // emptied, possibly between our mkdir and our write: make the folder again and retry.
    for (let attempt = 1; ; attempt++) {
      const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        await fsp.mkdir(dir, { recursive: true });
        await fsp.writeFile(tmp, body, { mode: 0o444 });
        await fsp.rename(tmp, file);
        return;
      } catch (err) {
        await fsp.rm(tmp, { force: true }).catch(() => {});
        if ((err as { code?: string }).code !== 'ENOENT' || attempt >= 5) throw err;
      }
    }
  };
  const worker = async () => {
    while (next < objects.length) await one(objects[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, objects.length) }, worker));
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * A git delta turning `base` into `target`, found as common prefix + common
 * suffix: exactly right for a tree where a few neighbouring entries changed.
 */
export function encodeDelta(base: Buffer, target: Buffer): Buffer {
  const max = Math.min(base.length, target.length);
  let pre = 0;
  while (pre < max && base[pre] === target[pre]) pre++;
  let suf = 0;
  while (suf < max - pre && base[base.length - 1 - suf] === target[target.length - 1 - suf]) suf++;
  const ops: Buffer[] = [Buffer.from([...varint(base.length), ...varint(target.length)])];
  const copy = (offset: number, size: number) => {
    while (size > 0) {
      const n = Math.min(size, 0xff0000);
      const bytes: number[] = [];
      let cmd = 0x80;
      for (let i = 0; i < 4; i++) {
        const b = (offset >>> (8 * i)) & 0xff;
        if (b) {
          cmd |= 1 << i;
          bytes.push(b);
        }
      }
      for (let i = 0; i < 3; i++) {
        const b = (n >>> (8 * i)) & 0xff;
        if (b) {
          cmd |= 0x10 << i;
          bytes.push(b);
        }
      }
      ops.push(Buffer.from([cmd, ...bytes]));
      offset += n;
      size -= n;
    }
  };
  const insert = (data: Buffer) => {
    for (let i = 0; i < data.length; i += 127) {
      const part = data.subarray(i, i + 127);
      ops.push(Buffer.from([part.length]), part);
    }
  };
  if (pre) copy(0, pre);
  insert(target.subarray(pre, target.length - suf));
  if (suf) copy(base.length - suf, suf);
  return Buffer.concat(ops);
}

/** Objects smaller than this are sent whole (a delta would not save anything). */
const DELTA_MIN = 4096;

/**
 * A version-2 packfile holding exactly these objects. Large objects with a
 * `deltaBase` the remote has are sent as REF_DELTA (a "thin" pack, as `git
 * push` sends), so a one-entry change to a 10,000-entry tree costs bytes, not
 * a re-compression of the whole tree.
 */
export function buildPack(objects: RawObject[]): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  parts.push(header);
  for (const o of objects) {
    const useDelta = o.deltaBase && o.content.length >= DELTA_MIN;
    const data = useDelta ? encodeDelta(o.deltaBase!.content, o.content) : o.content;
    let size = data.length;
    const bytes: number[] = [];
    let c = ((useDelta ? 7 : PACK_TYPE[o.type]) << 4) | (size & 0x0f);
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes.push(c | 0x80);
      c = size & 0x7f;
      size = Math.floor(size / 128);
    }
    bytes.push(c);
    parts.push(Buffer.from(bytes));
    if (useDelta) parts.push(Buffer.from(o.deltaBase!.oid, 'hex'));
    parts.push(deflateSync(data, { level: 1 }));
  }
  const body = Buffer.concat(parts);
  const trailer = createHash('sha1').update(body).digest();
  return Buffer.concat([body, trailer]);
}

/** Applies a git delta (pack reads in packs.ts; tests check encodeDelta with it). */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let i = 0;
  const readVar = () => {
    let n = 0;
    let shift = 0;
    let b: number;
    do {
      b = delta[i++];
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return n;
  };
  readVar();
  const size = readVar();
  const out: Buffer[] = [];
  while (i < delta.length) {
    const cmd = delta[i++];
    if (cmd & 0x80) {
      let off = 0;
      let n = 0;
      for (let k = 0; k < 4; k++) if (cmd & (1 << k)) off |= delta[i++] << (8 * k);
      for (let k = 0; k < 3; k++) if (cmd & (0x10 << k)) n |= delta[i++] << (8 * k);
      if (n === 0) n = 0x10000;
      out.push(base.subarray(off >>> 0, (off >>> 0) + n));
    } else {
      out.push(delta.subarray(i, i + cmd));
      i += cmd;
    }
  }
  const r = Buffer.concat(out);
  if (r.length !== size) throw new Error('delta size mismatch');
  return r;
}

/** Parsed commit headers and message. */
export interface ParsedCommit {
  tree: string;
  parents: string[];
  author: { name: string; email: string; timestamp: number; tz: string };
  committer: { name: string; email: string; timestamp: number; tz: string };
  message: string;
}

function parsePerson(s: string) {
  const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(s);
  if (!m) return { name: s, email: '', timestamp: 0, tz: '+0000' };
  return { name: m[1], email: m[2], timestamp: Number(m[3]), tz: m[4] };
}

/** Parses a commit object's content (gpgsig and other multi-line headers are skipped). */
export function parseCommit(content: Buffer): ParsedCommit {
  const text = content.toString('utf8');
  const sep = text.indexOf('\n\n');
  const head = sep < 0 ? text : text.slice(0, sep);
  const message = sep < 0 ? '' : text.slice(sep + 2);
  const out: ParsedCommit = {
    tree: '',
    parents: [],
    author: parsePerson(''),
    committer: parsePerson(''),
    message,
  };
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue;
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    const v = line.slice(sp + 1);
    if (k === 'tree') out.tree = v;
    else if (k === 'parent') out.parents.push(v);
    else if (k === 'author') out.author = parsePerson(v);
    else if (k === 'committer') out.committer = parsePerson(v);
  }
  return out;
}

/** Serialises a commit object. */
export function serializeCommit(c: {
  tree: string;
  parents: string[];
  author: { name: string; email: string };
  committer: { name: string; email: string };
  timestamp: number;
  message: string;
}): Buffer {
  const clean = (s: string) => s.replace(/[<>\n]/g, '');
  const who = (p: { name: string; email: string }) => `${clean(p.name)} <${clean(p.email)}> ${c.timestamp} +0000`;
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who(c.author)}`, `committer ${who(c.committer)}`];
  const msg = c.message.endsWith('\n') ? c.message : c.message + '\n';
  return Buffer.from(lines.join('\n') + '\n\n' + msg, 'utf8');
}
