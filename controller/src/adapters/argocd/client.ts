/**
 * A small typed Argo CD API client. There is no maintained TypeScript package, so this covers
 * exactly what Kubidu calls (see contracts/argocd/swagger.json): session, get (with refresh),
 * sync and terminate. It owns authentication (bearer token, or a session that it renews when
 * the JWT expires or Argo CD answers 401) and maps every failure to an error in ./errors.ts.
 */
import https from 'node:https';
import http from 'node:http';
import {
  ArgoAuthError,
  ArgoError,
  mapArgoError,
  mapNetworkError,
} from './errors.js';
import type { ArgoApplication, ArgoSessionResponse, ArgoSyncRequest } from './types.js';

/** How to reach and authenticate to Argo CD. Either `token` or `username`+`password`. */
export interface ArgoClientOptions {
  url: string;
  token?: string;
  username?: string;
  password?: string;
  /** Accept a self-signed certificate (ARGOCD_INSECURE). */
  insecure?: boolean;
  /** Per-request time limit; a request that takes longer fails as ArgoUnavailableError. Default 15 s. */
  timeoutMs?: number;
  /** Renew a session this long before its JWT expires. Default 60 s. */
  renewBeforeMs?: number;
  now?: () => number;
}

/** The operations the sync step needs; implemented by ArgoClient and by the Kubernetes trigger. */
export interface ArgoApi {
  getApplication(name: string, opts?: { refresh?: 'normal' | 'hard' }): Promise<ArgoApplication>;
  sync(name: string, req: ArgoSyncRequest): Promise<ArgoApplication>;
  terminateOperation?(name: string): Promise<void>;
}

interface RawResponse {
  status: number;
  text: string;
}

/** Decodes a JWT's `exp` (seconds) without verifying it; the client only needs to know when to renew. */
export function jwtExpiryMs(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Argo CD API client; see ArgoClientOptions. Safe to share between concurrent syncs. */
export class ArgoClient implements ArgoApi {
  private readonly base: string;
  private readonly origin: string;
  private readonly timeoutMs: number;
  private readonly renewBeforeMs: number;
  private readonly now: () => number;
  private readonly agent?: https.Agent;
  private session?: { token: string; expiresAt?: number };
  private login?: Promise<string>;

  constructor(private readonly opts: ArgoClientOptions) {
    const u = new URL(opts.url);
    u.username = '';
    u.password = '';
    this.base = u.toString().replace(/\/+$/, '');
    this.origin = u.origin;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.renewBeforeMs = opts.renewBeforeMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    if (!opts.token && !(opts.username && opts.password)) {
      throw new ArgoAuthError('ARGOCD_NO_CREDENTIALS', 'Argo CD credentials missing: set ARGOCD_TOKEN, or ARGOCD_USERNAME and ARGOCD_PASSWORD', { retryable: false });
    }
    if (opts.insecure && u.protocol === 'https:') {
      this.agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
    }
  }

  /** GET /api/v1/applications/{name}; `refresh` asks Argo CD to re-read Git first. */
  async getApplication(name: string, opts: { refresh?: 'normal' | 'hard' } = {}): Promise<ArgoApplication> {
    const q = opts.refresh ? `?refresh=${opts.refresh}` : '';
    return this.call<ArgoApplication>('GET', `/api/v1/applications/${encodeURIComponent(name)}${q}`, undefined, { appName: name, action: 'get' });
  }

  /** POST /api/v1/applications/{name}/sync */
  async sync(name: string, req: ArgoSyncRequest): Promise<ArgoApplication> {
    return this.call<ArgoApplication>('POST', `/api/v1/applications/${encodeURIComponent(name)}/sync`, { name, ...req }, { appName: name, action: 'sync' });
  }

  /** DELETE /api/v1/applications/{name}/operation */
  async terminateOperation(name: string): Promise<void> {
    await this.call('DELETE', `/api/v1/applications/${encodeURIComponent(name)}/operation`, undefined, { appName: name, action: 'terminate' });
  }

  private get authKind(): 'token' | 'session' {
    return this.opts.token ? 'token' : 'session';
  }

  private async call<T>(method: string, path: string, body: unknown, ctx: { appName?: string; action: string }): Promise<T> {
    let bearer = await this.bearer();
    let res = await this.send(method, path, body, bearer);
    if (res.status === 401 && this.authKind === 'session') {
      // The session may have been revoked or expired early: log in again, once.
      this.session = undefined;
      bearer = await this.bearer();
      res = await this.send(method, path, body, bearer);
    }
    return this.parse<T>(res, { ...ctx, auth: this.authKind });
  }

  private parse<T>(res: RawResponse, ctx: { appName?: string; action: string; auth: 'token' | 'session' }): T {
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : {};
    } catch {
      /* non-JSON body (a proxy's HTML page); keep the text */
    }
    if (res.status >= 200 && res.status < 300) {
      if (typeof parsed !== 'object') {
        throw new ArgoError('ARGOCD_BAD_RESPONSE', `Argo CD answered ${res.status} with a body that is not JSON: is ARGOCD_URL the Argo CD server?`, { retryable: false, status: res.status });
      }
      return parsed as T;
    }
    throw mapArgoError(res.status, parsed, ctx);
  }

  private async bearer(): Promise<string> {
    if (this.opts.token) return this.opts.token;
    const s = this.session;
    if (s && (s.expiresAt === undefined || s.expiresAt - this.renewBeforeMs > this.now())) return s.token;
    if (!this.login) {
      this.login = this.createSession().finally(() => {
        this.login = undefined;
      });
    }
    return this.login;
  }

  /** POST /api/v1/session with the username and password; keeps the JWT and its expiry. */
  private async createSession(): Promise<string> {
    const res = await this.send('POST', '/api/v1/session', { username: this.opts.username, password: this.opts.password }, undefined);
    const out = this.parse<ArgoSessionResponse>(res, { action: 'login', auth: 'session' });
    if (!out.token) {
      throw new ArgoAuthError('ARGOCD_UNAUTHENTICATED', 'Argo CD returned no session token: check ARGOCD_USERNAME and ARGOCD_PASSWORD', { retryable: false });
    }
    this.session = { token: out.token, expiresAt: jwtExpiryMs(out.token) };
    return out.token;
  }

  private async send(method: string, path: string, body: unknown, bearer: string | undefined): Promise<RawResponse> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    // Argo CD answers 415 unless every non-GET request says exactly this.
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = this.base + path;
    try {
      if (this.agent) return await this.sendWithNode(url, method, headers, payload);
      const res = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      throw mapNetworkError(err, this.origin, this.timeoutMs);
    }
  }

  /** node:https transport, used only when ARGOCD_INSECURE asks to skip certificate checks. */
  private sendWithNode(url: string, method: string, headers: Record<string, string>, payload?: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const lib = url.startsWith('https:') ? https : http;
      const req = lib.request(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}
