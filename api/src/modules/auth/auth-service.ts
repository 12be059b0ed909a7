/**
 * Accounts and credentials: registration, login tokens (HS256 JWTs via jose) and
 * personal API tokens (`kbd_...`, shown once, stored as sha256). `authenticate`
 * is the single place a bearer token becomes a user.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ApiTokenEntity, UserEntity } from '@kubidu/core/db/entities';
import { ConflictError, NotFoundError, UnauthorizedError, pgCode } from '@kubidu/core/errors';
import type { ApiTokenView } from '@kubidu/core/contract/auth';
import type { TokenScope } from '@kubidu/core/contract/roles';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import { hashPassword, verifyPassword } from './password.js';

/** The caller as routes see it. */
export interface AuthUser {
  id: string;
  email: string;
  /** The scope of the API token the request came with (null: a login token or an unscoped API token, the user's full roles). */
  scope: TokenScope | null;
}

/** Who a bearer token belongs to, and until when it is good (null: an API token without expiry). */
export interface Credential {
  user: AuthUser;
  expiresAt: Date | null;
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
        return { id, email: normalized, scope: null };
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
    return this.issue({ id: user.id, email: user.email, scope: null });
  }

  /**
   * Creates a personal API token; the plain token is returned once and never stored.
   * It never outlives the credential that minted it (`parentExpiresAt`; null: none),
   * so a one-day token cannot mint a permanent one. `scope: 'rollback'` makes an
   * incident bot's token (read, roll back, release, mark bad only).
   */
  async createApiToken(user: AuthUser, name: string, expiresInDays?: number, parentExpiresAt: Date | null = null, scope: TokenScope | null = null) {
    const token = generateApiToken();
    const asked = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const expiresAt = asked && parentExpiresAt ? (asked < parentExpiresAt ? asked : parentExpiresAt) : (asked ?? parentExpiresAt);
    const id = await this.deps.ds.transaction(async (em) => {
      const res = await em.insert(ApiTokenEntity, { userId: user.id, name, tokenHash: hashApiToken(token), expiresAt, scope });
      const tokenId = res.identifiers[0].id as string;
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: AUDIT_ACTIONS.tokenCreated,
        data: { tokenId, name, expiresAt: expiresAt?.toISOString() ?? null, scope },
      });
      return tokenId;
    });
    return { id, name, token, expiresAt: expiresAt?.toISOString() ?? null, scope };
  }

  /** Resolves a bearer token (login JWT or API token) to its user, or throws 401. */
  async authenticate(token: string): Promise<AuthUser> {
    return (await this.credential(token)).user;
  }

  /**
   * Resolves a bearer token to its user and expiry, or throws 401. A login token
   * must carry `exp` and be issued after the user's last sign-out.
   */
  async credential(token: string): Promise<Credential> {
    if (token.startsWith(API_TOKEN_PREFIX)) return this.authenticateApiToken(token);
    let payload: { sub?: string; exp?: number; iat?: number; iatMs?: unknown };
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('Token expired');
      throw new UnauthorizedError('Invalid token');
    }
    const sub = payload.sub;
    if (!sub || !/^[0-9a-f-]{36}$/.test(sub)) throw new UnauthorizedError('Invalid token');
    const user = await this.deps.ds.getRepository(UserEntity).findOne({ where: { id: sub } });
    if (!user) throw new UnauthorizedError('Invalid token');
    if (user.tokensValidAfter) {
      const issuedMs = typeof payload.iatMs === 'number' ? payload.iatMs : typeof payload.iat === 'number' ? payload.iat * 1000 : -Infinity;
      if (issuedMs < user.tokensValidAfter.getTime()) throw new UnauthorizedError('Token ended by sign-out');
    }
    return { user: { id: user.id, email: user.email, scope: null }, expiresAt: new Date(payload.exp! * 1000) };
  }

  /** Signs the user out: every login token issued until now stops working (API tokens are revoked one by one). */
  async logout(user: AuthUser): Promise<void> {
    await this.deps.ds.transaction(async (em) => {
      await em.query(`UPDATE users SET tokens_valid_after = $2 WHERE id = $1`, [user.id, new Date()]);
      await this.deps.audit.append(em, { actorId: user.id, actor: user.email, action: AUDIT_ACTIONS.userSignedOut, data: {} });
    });
  }

  /** The user's personal API tokens, newest first (never the tokens themselves). */
  async listApiTokens(user: AuthUser): Promise<ApiTokenView[]> {
    const rows: { id: string; name: string; created_at: Date; last_used_at: Date | null; expires_at: Date | null; scope: TokenScope | null }[] = await this.deps.ds.query(
      `SELECT id, name, created_at, last_used_at, expires_at, scope FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`,
      [user.id],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at.toISOString(),
      lastUsedAt: r.last_used_at?.toISOString() ?? null,
      expiresAt: r.expires_at?.toISOString() ?? null,
      scope: r.scope,
    }));
  }

  /** Revokes one of the user's API tokens (deleted, audited); another user's or an unknown id is 404. */
  async revokeApiToken(user: AuthUser, id: string): Promise<void> {
    await this.deps.ds.transaction(async (em) => {
      const [rows]: [{ id: string; name: string }[], number] = await em.query(`DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 RETURNING id, name`, [id, user.id]);
      if (!rows.length) throw new NotFoundError('NOT_FOUND', 'API token not found');
      await this.deps.audit.append(em, { actorId: user.id, actor: user.email, action: AUDIT_ACTIONS.tokenRevoked, data: { tokenId: id, name: rows[0].name } });
    });
  }

  private async authenticateApiToken(token: string): Promise<Credential> {
    if (!/^kbd_[A-Za-z0-9]{40}$/.test(token)) throw new UnauthorizedError('Invalid token');
    const rows: { token_id: string; expires_at: Date | null; last_used_at: Date | null; scope: TokenScope | null; id: string; email: string }[] =
      await this.deps.ds.query(
        `SELECT t.id AS token_id, t.expires_at, t.last_used_at, t.scope, u.id, u.email
           FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
        [hashApiToken(token)],
      );
    const row = rows[0];
    if (!row) throw new UnauthorizedError('Invalid token');
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) throw new UnauthorizedError('Token expired');
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.deps.ds.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [row.token_id]);
    }
    return { user: { id: row.id, email: row.email, scope: row.scope }, expiresAt: row.expires_at };
  }

  private async issue(user: AuthUser): Promise<IssuedToken> {
    const exp = Math.floor(Date.now() / 1000) + this.deps.jwtTtlSeconds;
    // iatMs: the issue time to the millisecond, so a sign-out ends exactly the tokens issued before it.
    const token = await new SignJWT({ email: user.email, iatMs: Date.now() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
