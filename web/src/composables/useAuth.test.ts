import { describe, expect, it } from 'vitest';
import { createAuth, isExpired } from './useAuth.js';

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k), m };
}

describe('useAuth session', () => {
  it('persists the token, survives a reload, and signs out', () => {
    const storage = memoryStorage();
    const a = createAuth(storage);
    expect(a.isSignedIn.value).toBe(false);
    a.setSession({ token: 'jwt', expiresAt: '2999-01-01T00:00:00Z', email: 'ada@example.com' });
    const reloaded = createAuth(storage);
    expect(reloaded.token.value).toBe('jwt');
    expect(reloaded.isSignedIn.value).toBe(true);
    reloaded.signOut();
    expect(createAuth(storage).isSignedIn.value).toBe(false);
  });

  it('treats an expired token as signed out, and a corrupt store as empty', () => {
    const storage = memoryStorage();
    createAuth(storage).setSession({ token: 'jwt', expiresAt: '2000-01-01T00:00:00Z', email: 'a@b.c' });
    expect(createAuth(storage).isSignedIn.value).toBe(false);
    storage.m.set('kubidu.session', '{not json');
    expect(createAuth(storage).token.value).toBeNull();
    expect(isExpired(null)).toBe(false);
  });
});
