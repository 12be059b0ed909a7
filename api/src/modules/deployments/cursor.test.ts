import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('keyset cursors', () => {
  it('round-trips any positive bigint seq', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 9223372036854775807n }), (n) => {
        expect(decodeCursor(encodeCursor(n))).toBe(n.toString());
      }),
    );
  });

  it('is opaque (not the bare number)', () => {
    expect(encodeCursor(42)).not.toContain('42');
  });

  it.each(['', '42', 'djE6', 'djE6MDE', 'djE6LTE', Buffer.from('v1:9223372036854775808').toString('base64url'), 'a'.repeat(65), 'v1:1', '../../', 'djE6MQ==x'])(
    'refuses %j',
    (c) => {
      expect(decodeCursor(c)).toBeNull();
    },
  );

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (s) => {
      const r = decodeCursor(s);
      expect(r === null || /^[1-9][0-9]*$/.test(r)).toBe(true);
    }));
  });
});
