/**
 * AES-256-GCM for environment variable values at rest. The key comes from
 * KUBIDU_ENCRYPTION_KEY (32 bytes, base64 or hex) or, on the embedded default,
 * from a key file generated once in the data dir with mode 0600.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/env.js';


export interface Sealed {
  /** base64(ciphertext || tag) */
  valueEncrypted: string;
  /** base64 IV */
  valueIv: string;
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new ConfigError('KUBIDU_ENCRYPTION_KEY', 'encryption key must be 32 bytes');
  }

  seal(plain: string): Sealed {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return { valueEncrypted: body.toString('base64'), valueIv: iv.toString('base64') };
  }

  /**
   * A keyed content hash of a set of secret values, used to name the immutable
   * Kubernetes Secret. Keyed (HMAC) so the name published in Git reveals nothing
   * that could be brute-forced back to a low-entropy secret value.
   */
  fingerprint(entries: Record<string, string>): string {
    const canonical = JSON.stringify(Object.keys(entries).sort().map((k) => [k, entries[k]]));
    return createHmac('sha256', this.key).update('kubidu-secret-name\0').update(canonical).digest('hex');
  }

  open(s: Sealed): string {
    const body = Buffer.from(s.valueEncrypted, 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(s.valueIv, 'base64'));
    d.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8');
  }
}

/** Parses a 32-byte key given as base64 or hex; a bad key is a ConfigError (the value is never echoed). */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (buf.length !== 32) {
    throw new ConfigError('KUBIDU_ENCRYPTION_KEY', 'KUBIDU_ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64');
  }
  return buf;
}

/** The env key if set, else the data dir's key file, created (mode 0600) on first use. */
export function loadOrCreateKey(envValue: string | undefined, dataDir: string): Buffer {
  if (envValue) return parseKey(envValue);
  const file = join(dataDir, 'encryption.key');
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
