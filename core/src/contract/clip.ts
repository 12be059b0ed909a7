/**
 * Shortening quoted user text (a reason, a name) where a message quotes it, so
 * the rest of the message — the part that tells a person what to do — is never
 * cut. Cuts at a word boundary and says so with "…". In the contract so the API's
 * messages and the clients' own hints shorten the same way.
 */

/**
 * `text` if it fits in `max` characters; otherwise its longest whole-word prefix
 * that leaves room for "…", followed by "…". A single word longer than `max` is cut
 * inside the word (nothing else would fit), never inside a surrogate pair.
 */
export function clipWords(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const room = chars.slice(0, Math.max(1, max - 1)).join('');
  const next = chars[Math.max(1, max - 1)] ?? '';
  // The cut falls between words when the next character is a space; else back up to the last space.
  const cut = /\s/.test(next) ? room.length : room.search(/\s+\S*$/);
  const head = (cut > 0 ? room.slice(0, cut) : room).replace(/[\s,;:.\-–—]+$/u, '');
  return `${head}…`;
}
