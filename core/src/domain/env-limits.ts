/**
 * The size rule of a deployment's env (issue 16.6): what a deploy or an env change
 * would store must fit the Kubernetes objects it becomes — plain env a ConfigMap in
 * git, secrets a Secret — or it could never sync and would only grow the repo. The
 * rule runs on the merged rows (inherited + set) as stored: a sealed value's size
 * is read off its ciphertext, so secrets are never decrypted to be measured.
 */
import { KubiduError } from '../errors.js';
import { MAX_ENV_VALUE_BYTES, MAX_PLAIN_ENV_BYTES, MAX_SECRET_ENV_BYTES } from '../contract/common.js';
import type { SealedEnvRow } from './env-rows.js';

/** AES-GCM's tag, stored after the ciphertext (crypto/secret-box.ts). */
const GCM_TAG_BYTES = 16;

/** 400 `ENV_TOO_LARGE`: `what` (plain env, secrets, env value K) is `size` bytes, over `limit`. */
export class EnvTooLargeError extends KubiduError {
  constructor(what: string, limit: number, size: number) {
    super(
      'ENV_TOO_LARGE',
      400,
      `The deployment's ${what} would be ${size} bytes; at most ${limit} bytes (${limit / 1024} KiB) are allowed${
        what.startsWith('env value') ? '' : ', counting the variables kept from the current deployment'
      }`,
      { what, limit, size },
    );
  }
}

/** The plaintext length in bytes of a sealed value (base64 of ciphertext || tag; GCM keeps the length). */
export function sealedValueBytes(row: Pick<SealedEnvRow, 'valueEncrypted'>): number {
  return Buffer.byteLength(row.valueEncrypted, 'base64') - GCM_TAG_BYTES;
}

/** One variable as measured: its name, its value's size in bytes, and whether it is a secret. */
export interface MeasuredEnv {
  key: string;
  bytes: number;
  isSecret: boolean;
}

/** The first limit `vars` break, as the error a write would throw; null when they fit. */
export function envSizeProblem(vars: Iterable<MeasuredEnv>): EnvTooLargeError | null {
  let plain = 0;
  let secret = 0;
  for (const v of vars) {
    if (v.bytes > MAX_ENV_VALUE_BYTES) return new EnvTooLargeError(`env value ${v.key}`, MAX_ENV_VALUE_BYTES, v.bytes);
    const bytes = Buffer.byteLength(v.key, 'utf8') + v.bytes;
    if (v.isSecret) secret += bytes;
    else plain += bytes;
  }
  if (plain > MAX_PLAIN_ENV_BYTES) return new EnvTooLargeError('plain env', MAX_PLAIN_ENV_BYTES, plain);
  if (secret > MAX_SECRET_ENV_BYTES) return new EnvTooLargeError('secrets', MAX_SECRET_ENV_BYTES, secret);
  return null;
}

/** Throws EnvTooLargeError when one value, the plain env or the secrets are over their limits. */
export function assertEnvWithinLimits(rows: readonly SealedEnvRow[]): void {
  const problem = envSizeProblem(rows.map((row) => ({ key: row.key, bytes: sealedValueBytes(row), isSecret: row.isSecret })));
  if (problem) throw problem;
}
