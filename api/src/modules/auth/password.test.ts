import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.js';

const FAST = { N: 1 << 10, r: 8, p: 1, keyLength: 32 } as const;

describe('scrypt password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterz', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('stores its parameters and a fresh salt', async () => {
    const a = await hashPassword('same password', FAST);
    const b = await hashPassword('same password', FAST);
    expect(a).not.toBe(b);
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', '1024', '8', '1']);
    expect(a).not.toContain('same password');
  });

  it('uses the parameters stored with the hash, not the current defaults', async () => {
    const h = await hashPassword('pw-with-old-cost', { N: 1 << 11, r: 4, p: 1, keyLength: 48 });
    expect(await verifyPassword('pw-with-old-cost', h)).toBe(true);
  });

  it('refuses malformed or tampered hashes without throwing', async () => {
    const h = await hashPassword('pw', FAST);
    const parts = h.split('$');
    const flipped = Buffer.from(parts[5], 'base64');
    flipped[0] ^= 1;
    expect(await verifyPassword('pw', [...parts.slice(0, 5), flipped.toString('base64')].join('$'))).toBe(false);
    expect(await verifyPassword('pw', 'plain')).toBe(false);
    expect(await verifyPassword('pw', 'scrypt$x$8$1$c2FsdA==$aGFzaA==')).toBe(false);
    expect(await verifyPassword('pw', `scrypt$${1 << 30}$8$1$c2FsdA==$${'A'.repeat(44)}`)).toBe(false);
  });
});
