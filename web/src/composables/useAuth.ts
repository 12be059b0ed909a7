/**
 * The signed-in session: the bearer token lives in localStorage so a reload keeps
 * you signed in, and one place decides what "signed in" means (present and not
 * expired). The API client reads the token from here; a 401 calls `signOut`.
 */
import { computed, ref, type ComputedRef, type Ref } from 'vue';

/** The storage subset the session needs (localStorage in the app, a Map-backed fake in tests). */
export type SessionStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface Auth {
  token: Ref<string | null>;
  email: Ref<string | null>;
  expiresAt: Ref<string | null>;
  isSignedIn: ComputedRef<boolean>;
  setSession(session: { token: string; expiresAt: string | null; email: string }): void;
  signOut(): void;
}

const KEY = 'kubidu.session';

/** True when an `expiresAt` timestamp is in the past (pure). Unknown expiry counts as valid. */
export function isExpired(expiresAt: string | null, now: number = Date.now()): boolean {
  if (!expiresAt) return false;
  const t = Date.parse(expiresAt);
  return Number.isFinite(t) && t <= now;
}

/** Builds a session over any storage; `useAuth` shares one over localStorage. */
export function createAuth(storage: SessionStorage | null, now: () => number = Date.now): Auth {
  let saved: { token?: string; expiresAt?: string | null; email?: string } = {};
  try {
    saved = JSON.parse(storage?.getItem(KEY) ?? '{}') ?? {};
  } catch {
    saved = {};
  }
  const token = ref<string | null>(saved.token ?? null);
  const email = ref<string | null>(saved.email ?? null);
  const expiresAt = ref<string | null>(saved.expiresAt ?? null);
  const isSignedIn = computed(() => !!token.value && !isExpired(expiresAt.value, now()));

  function setSession(s: { token: string; expiresAt: string | null; email: string }) {
    token.value = s.token;
    email.value = s.email;
    expiresAt.value = s.expiresAt;
    storage?.setItem(KEY, JSON.stringify(s));
  }
  function signOut() {
    token.value = null;
    email.value = null;
    expiresAt.value = null;
    storage?.removeItem(KEY);
  }
  return { token, email, expiresAt, isSignedIn, setSession, signOut };
}

let shared: Auth | undefined;

/** The app-wide session over localStorage. */
export function useAuth(): Auth {
  if (!shared) {
    let storage: SessionStorage | null = null;
    try {
      storage = globalThis.localStorage ?? null;
    } catch {
      storage = null;
    }
    shared = createAuth(storage);
  }
  return shared;
}
