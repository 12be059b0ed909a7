import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { MODE_FILE, MODE_TREE, buildPack, editTree, hashObject, makeObject, parseCommit, parseTree, serializeCommit, type TreeEdit } from './objects.js';

/** Reference: git's canonical tree encoding from a full entry list. */
function reference(entries: Map<string, { mode: string; oid: string }>): Buffer {
  const key = (n: string, m: string) => Buffer.from(m === MODE_TREE ? n + '/' : n);
  const sorted = [...entries].sort(([a, ea], [b, eb]) => Buffer.compare(key(a, ea.mode), key(b, eb.mode)));
  return Buffer.concat(sorted.map(([n, e]) => Buffer.concat([Buffer.from(`${e.mode} ${n}\0`), Buffer.from(e.oid, 'hex')])));
}

const name = fc.stringMatching(/^[a-z0-9._-]{1,6}$/).filter((n) => n !== '.' && n !== '..');
const entry = fc.record({ mode: fc.constantFrom(MODE_FILE, MODE_TREE), oid: fc.stringMatching(/^[0-9a-f]{40}$/) });

describe('tree splicing', () => {
  it('editTree equals re-encoding the edited entry list (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(name, entry, { maxKeys: 30 }), fc.dictionary(name, fc.option(entry, { nil: null }), { maxKeys: 8 }), (start, rawEdits) => {
        const base = new Map(Object.entries(start));
        const edits = new Map<string, TreeEdit>();
        const expected = new Map(base);
        for (const [n, e] of Object.entries(rawEdits)) {
          const old = base.get(n);
          if (e && old && (old.mode === MODE_TREE) !== (e.mode === MODE_TREE)) continue; // type changes are refused
          edits.set(n, e);
          if (e) expected.set(n, e);
          else expected.delete(n);
        }
        const tree = base.size ? parseTree(reference(base)) : null;
        expect(editTree(tree, edits).equals(reference(expected))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('hashes like git', () => {
    expect(hashObject('blob', Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(hashObject('tree', Buffer.alloc(0))).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  it('commits serialise and parse back', () => {
    const buf = serializeCommit({ tree: 'a'.repeat(40), parents: ['b'.repeat(40)], author: { name: 'A <x>', email: 'a@x' }, committer: { name: 'Bot', email: 'b@x' }, timestamp: 1700000000, message: 'subj\n\nbody' });
    const c = parseCommit(buf);
    expect(c).toMatchObject({ tree: 'a'.repeat(40), parents: ['b'.repeat(40)], author: { name: 'A x', email: 'a@x', timestamp: 1700000000 }, message: 'subj\n\nbody\n' });
  });

  it('packs carry a valid header, objects and checksum', () => {
    const objs = [makeObject('blob', Buffer.from('x'.repeat(1000))), makeObject('blob', Buffer.from('y'))];
    const pack = buildPack(objs);
    expect(pack.subarray(0, 4).toString()).toBe('PACK');
    expect(pack.readUInt32BE(8)).toBe(2);
    const body = pack.subarray(0, pack.length - 20);
    expect(createHash('sha1').update(body).digest().equals(pack.subarray(pack.length - 20))).toBe(true);
    // first object: type 3 (blob), size 1000 = 0b1111101000 → 0xb8 0x3e
    expect([pack[12], pack[13]]).toEqual([0x80 | (3 << 4) | 8, 62]);
    expect(inflateSync(pack.subarray(14)).toString()).toBe('x'.repeat(1000));
  });
});

describe('deltas', () => {
  it('encodeDelta + applyDelta reproduce the target (property)', async () => {
    const { encodeDelta, applyDelta } = await import('./objects.js');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (a, mid, x, y) => {
        const base = Buffer.from(a);
        const i = base.length ? x % base.length : 0;
        const j = base.length ? i + (y % (base.length - i + 1)) : 0;
        const target = Buffer.concat([base.subarray(0, i), Buffer.from(mid), base.subarray(j)]);
        expect(applyDelta(base, encodeDelta(base, target)).equals(target)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
