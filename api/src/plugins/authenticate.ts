/**
 * Bearer authentication as an onRequest hook, so an anonymous request is a 401
 * before its body is even parsed. Only the event-stream route also accepts
 * `?access_token=` (browsers' EventSource cannot send headers); the request
 * logger redacts that parameter.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '@kubidu/core/errors';
import type { AuthService, AuthUser } from '../modules/auth/auth-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticate hook on protected routes. */
    user: AuthUser | null;
    /** When the bearer credential of this request expires (null: never); a minted token may not outlive it. */
    credentialExpiresAt: Date | null;
    /** Checks this request's credential again (a long-lived stream ends once it is revoked or signed out); throws 401. */
    recheckCredential: (() => Promise<unknown>) | null;
  }
}

/** Returns the authenticated user of a protected route's request. */
export function currentUser(req: FastifyRequest): AuthUser {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}

/** The onRequest hook protected routes declare. */
export type AuthenticateHook = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Builds the onRequest hook for protected routes. */
export function makeAuthenticate(auth: AuthService, opts: { allowQueryToken?: boolean } = {}): AuthenticateHook {
  return async function authenticate(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = req.headers.authorization;
    let token: string | undefined;
    if (typeof header === 'string' && header.length > 0) {
      const m = /^Bearer +([^\s]{1,4096})$/i.exec(header.trim());
      if (!m) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
      token = m[1];
    } else if (opts.allowQueryToken) {
      const q = (req.query ?? {}) as Record<string, unknown>;
      if (typeof q.access_token === 'string' && q.access_token.length > 0 && q.access_token.length <= 4096) token = q.access_token;
    }
    if (!token) throw new UnauthorizedError();
    const credential = await auth.credential(token);
    req.user = credential.user;
    req.credentialExpiresAt = credential.expiresAt;
    req.recheckCredential = () => auth.credential(token);
  };
}

/** Query parameter names whose values are credentials, matched on the decoded, lower-cased name. */
const SECRET_PARAM = /token|secret|password|passwd|signature|api[-_]?key/;

function decodedName(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return null;
  }
}

/**
 * The URL as it may be logged: the value of every query parameter whose decoded
 * name looks like a credential (`access_token`, `access%5Ftoken`, `ACCESS_TOKEN`,
 * `%61ccess_token`, ...) becomes `[redacted]`, and so does the value of a name
 * that cannot be decoded. The path is kept as sent.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      const name = decodedName(rawName);
      if (name !== null && !SECRET_PARAM.test(name)) return pair;
      return `${rawName}=[redacted]`;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}
