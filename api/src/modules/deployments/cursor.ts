/**
 * Opaque keyset cursors. A cursor is the last row's `seq` (a bigint as text)
 * wrapped so clients treat it as a token; decoding refuses anything that is not
 * exactly what we produced, so a tampered cursor is a 400, never a SQL error.
 */
const PREFIX = 'v1:';

/** Encodes a bigint sequence number (as text) into a cursor. */
export function encodeCursor(seq: string | number | bigint): string {
  return Buffer.from(PREFIX + String(seq), 'utf8').toString('base64url');
}

/** Decodes a cursor back into its sequence number; null when it is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^v1:([1-9][0-9]{0,18})$/.exec(text);
  if (!m) return null;
  if (BigInt(m[1]) > 9223372036854775807n) return null;
  return m[1];
}
