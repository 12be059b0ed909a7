/**
 * Binds an Idempotency-Key to the request it first came with. The request's fields
 * are hashed with the SecretBox key (HMAC, so a stored hash of secret values cannot
 * be brute-forced back to them) and stored on the row; a later request with the same
 * key replays only when its hash matches, else it is a 409 CONFLICT.
 */
import type { EntityManager } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';

/** JSON with object keys sorted at every level, and undefined dropped, so equal requests hash equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The keyed hash of one request (`kind` keeps a deploy and a rollback with equal fields apart). */
export function requestHash(box: SecretBox, kind: 'deploy' | 'rollback', fields: Record<string, unknown>): string {
  return box.fingerprint({ kind, request: JSON.stringify(canonical(fields)) });
}

/** The hash stored with a row, or null for rows made before hashes were kept. */
export async function storedRequestHash(em: EntityManager, deploymentId: string): Promise<string | null> {
  const [r] = await em.query(`SELECT request_hash FROM deployments WHERE id = $1`, [deploymentId]);
  return r?.request_hash ?? null;
}

/** True when a replay must be refused: the row has a hash and it is not this request's. */
export async function replayDiffers(em: EntityManager, deploymentId: string, hash: string): Promise<boolean> {
  const stored = await storedRequestHash(em, deploymentId);
  return stored !== null && stored !== hash;
}
