/**
 * Accounts and credentials: registration, login tokens (HS256 JWTs via jose) and
 * personal API tokens (`kbd_...`, shown once, stored as sha256). `authenticate`
 * is the single place a bearer token becomes a user.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ApiTokenEntity, UserEntity } from '@kubidu/core/db/entities';
import { ConflictError, UnauthorizedError, pgCode } from '@kubidu/core/errors';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import { hashPassword, verifyPassword } from './password.js';

/** The caller as routes see it. */
export interface AuthUser {
  id: string;
  email: string;
}

/** A freshly issued login token. */
export interface IssuedToken {
  token: string;
  expiresAt: string;
}

const API_TOKEN_PREFIX = 'kbd_';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ISSUER = 'kubidu';

/** sha256 hex of an API token: what the database stores and looks up. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `kbd_` + 40 base62 characters (~238 bits), without modulo bias. */
export function generateApiToken(): string {
  let out = '';
  while (out.length < 40) {
    for (const b of randomBytes(64)) {
      if (b < 248 && out.length < 40) out += BASE62[b % 62];
    }
  }
  return API_TOKEN_PREFIX + out;
}

/** AuthService's collaborators. */
export interface AuthServiceDeps {
  ds: DataSource;
  audit: AuditWriter;
  jwtSecret: Uint8Array | string;
  jwtTtlSeconds: number;
}

/** Registration, login and bearer-token checks. */
export class AuthService {
  private readonly key: Uint8Array;
  /** A hash to verify against when the email is unknown, so timing does not reveal accounts. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: AuthServiceDeps) {
    this.key = typeof deps.jwtSecret === 'string' ? new TextEncoder().encode(deps.jwtSecret) : deps.jwtSecret;
    if (this.key.length < 16) throw new Error('the JWT secret must be at least 16 bytes');
  }

  async register(email: string, password: string): Promise<{ user: AuthUser } & IssuedToken> {
    const normalized = email.trim().toLowerCase();
    const passwordHash = await hashPassword(password);
    let user: AuthUser;
    try {
      user = await this.deps.ds.transaction(async (em) => {
        const res = await em.insert(UserEntity, { email: normalized, passwordHash });
        const id = res.identifiers[0].id as string;
        await this.deps.audit.append(em, { actorId: id, actor: normalized, action: AUDIT_ACTIONS.userRegistered, data: {} });
        return { id, email: normalized };
      });
    } catch (err) {
      if (pgCode(err) === '23505') throw new ConflictError('An account with this email already exists');
      throw err;
    }
    return { user, ...(await this.issue(user)) };
  }

  async login(email: string, password: string): Promise<IssuedToken> {
    const normalized = email.trim().toLowerCase();
    const user = await this.deps.ds.getRepository(UserEntity).findOne({ where: { email: normalized } });
    if (!user) {
      this.dummyHash ??= hashPassword('kubidu-dummy-password');
      await verifyPassword(password, await this.dummyHash);
      throw new UnauthorizedError('Wrong email or password');
    }
    if (!(await verifyPassword(password, user.passwordHash))) throw new UnauthorizedError('Wrong email or password');
    return this.issue({ id: user.id, email: user.email });
  }

  /** Creates a personal API token; the plain token is returned once and never stored. */
  async createApiToken(user: AuthUser, name: string, expiresInDays?: number) {
    const token = generateApiToken();
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const id = await this.deps.ds.transaction(async (em) => {
      const res = await em.insert(ApiTokenEntity, { userId: user.id, name, tokenHash: hashApiToken(token), expiresAt });
      const tokenId = res.identifiers[0].id as string;
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: AUDIT_ACTIONS.tokenCreated,
        data: { tokenId, name, expiresAt: expiresAt?.toISOString() ?? null },
      });
      return tokenId;
    });
    return { id, name, token, expiresAt: expiresAt?.toISOString() ?? null };
  }

  /** Resolves a bearer token (login JWT or API token) to its user, or throws 401. */
  async authenticate(token: string): Promise<AuthUser> {
    if (token.startsWith(API_TOKEN_PREFIX)) return this.authenticateApiToken(token);
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      sub = payload.sub;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('Token expired');
      throw new UnauthorizedError('Invalid token');
    }
    if (!sub || !/^[0-9a-f-]{36}$/.test(sub)) throw new UnauthorizedError('Invalid token');
    const user = await this.deps.ds.getRepository(UserEntity).findOne({ where: { id: sub } });
    if (!user) throw new UnauthorizedError('Invalid token');
    return { id: user.id, email: user.email };
  }

  private async authenticateApiToken(token: string): Promise<AuthUser> {
    if (!/^kbd_[A-Za-z0-9]{40}$/.test(token)) throw new UnauthorizedError('Invalid token');
    const rows: { token_id: string; expires_at: Date | null; last_used_at: Date | null; id: string; email: string }[] =
      await this.deps.ds.query(
        `SELECT t.id AS token_id, t.expires_at, t.last_used_at, u.id, u.email
           FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
        [hashApiToken(token)],
      );
    const row = rows[0];
    if (!row) throw new UnauthorizedError('Invalid token');
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) throw new UnauthorizedError('Token expired');
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.deps.ds.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [row.token_id]);
    }
    return { id: row.id, email: row.email };
  }

  private async issue(user: AuthUser): Promise<IssuedToken> {
    const exp = Math.floor(Date.now() / 1000) + this.deps.jwtTtlSeconds;
    const token = await new SignJWT({ email: user.email })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
