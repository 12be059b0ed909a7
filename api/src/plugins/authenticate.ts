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
  };
}

/** Removes `access_token` values from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
}
