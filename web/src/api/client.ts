/**
 * A small typed fetch client for the Kubidu API. Every failure becomes an
 * `ApiError` with the contract's `code` and a message a person can read, so
 * components never parse responses or guess at network errors themselves.
 */
import type { AuditPage } from '@kubidu/core/contract/audit';
import type { IssuedToken, UserView } from '@kubidu/core/contract/auth';
import type { WebConfig } from '@kubidu/core/contract/config';
import { NO_LINKS } from '@kubidu/core/contract/links';
import type {
  DeployBody,
  DeployHoldView,
  DeploymentDetail,
  DeploymentDiff,
  DeploymentPage,
  DeploymentView,
  EnvPatchBody,
  RollbackOnly,
  ServiceEnv,
} from '@kubidu/core/contract/deployments';
import type { DeploymentRelations } from '@kubidu/core/contract/deployment-relations';
import type { ProjectView, ServiceView } from '@kubidu/core/contract/projects';
import type { MemberView } from '@kubidu/core/contract/members';
import type { ProjectRole } from '@kubidu/core/contract/roles';

/** An API or network failure, in the contract's terms (`code`) and in words (`message`). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly data: unknown;
  constructor(code: string, message: string, status: number, data?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.data = data;
  }
}

/** Words for the codes whose server message may be terse or absent. */
const FALLBACK_MESSAGES: Record<string, string> = {
  UNAUTHORIZED: 'Your session has ended. Please sign in again.',
  FORBIDDEN: 'You do not have permission to do that.',
  NOT_FOUND: 'That was not found.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  DATABASE_UNAVAILABLE: 'The service is temporarily unavailable. Try again shortly.',
  INTERNAL: 'Something went wrong on the server.',
  NETWORK_ERROR: 'Could not reach the server. Check your connection and try again.',
};

/** Maps an HTTP status to a contract code when the body did not carry one. */
function codeForStatus(status: number): string {
  if (status === 400) return 'VALIDATION_ERROR';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'DATABASE_UNAVAILABLE';
  return 'INTERNAL';
}

/** Turns a non-2xx response body into an ApiError (pure; exported for tests). */
export function toApiError(status: number, body: unknown): ApiError {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const code = typeof b.code === 'string' && b.code ? b.code : codeForStatus(status);
  const serverMessage = typeof b.message === 'string' && b.message.trim() ? b.message : '';
  const message =
    status >= 500 && code === 'INTERNAL'
      ? FALLBACK_MESSAGES.INTERNAL
      : serverMessage || FALLBACK_MESSAGES[code] || `Request failed (${status}).`;
  return new ApiError(code, message, status, b.data);
}

export interface ApiClientOptions {
  /** Prefix for every path; '' means same origin. */
  baseUrl?: string;
  /** Injected so tests can hand in a small fake. */
  fetch?: typeof fetch;
  /** Current bearer token, read on every request. */
  getToken: () => string | null;
  /** Called once per 401 so the app can drop the token and go to sign-in. */
  onUnauthorized?: () => void;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** 404 resolves to `undefined` instead of throwing (optional routes). */
  allow404?: boolean;
  signal?: AbortSignal;
}

/** The typed client; one instance per app, provided to components by injection. */
export interface ApiClient {
  request<T>(path: string, opts?: RequestOptions): Promise<T>;
  login(email: string, password: string): Promise<IssuedToken>;
  register(email: string, password: string): Promise<IssuedToken & { user: UserView }>;
  me(): Promise<UserView>;
  config(): Promise<WebConfig>;
  listProjects(): Promise<ProjectView[]>;
  getProject(id: string): Promise<ProjectView>;
  listServices(projectId: string): Promise<ServiceView[]>;
  getService(id: string): Promise<ServiceView>;
  createProject(body: { name: string; slug?: string }): Promise<ProjectView>;
  createService(projectId: string, body: { name: string; port?: number }): Promise<ServiceView>;
  deploy(serviceId: string, body: DeployBody, idempotencyKey: string): Promise<DeploymentView>;
  getEnv(serviceId: string): Promise<ServiceEnv>;
  changeEnv(serviceId: string, body: EnvPatchBody, idempotencyKey: string): Promise<DeploymentView>;
  getDeployment(id: string): Promise<DeploymentDetail>;
  getRelations(id: string): Promise<DeploymentRelations>;
  listDeployments(serviceId: string, opts?: { limit?: number; cursor?: string | null }): Promise<DeploymentPage>;
  getDiff(deploymentId: string, only?: RollbackOnly | null): Promise<DeploymentDiff>;
  rollback(deploymentId: string, opts: { reason?: string; only?: RollbackOnly | null; idempotencyKey: string }): Promise<DeploymentView>;
  release(serviceId: string): Promise<{ released: DeployHoldView }>;
  markBad(deploymentId: string, reason: string): Promise<DeploymentView>;
  unmarkBad(deploymentId: string): Promise<DeploymentView>;
  listAudit(opts: {
    projectId?: string;
    serviceId?: string;
    deploymentId?: string;
    action?: string;
    limit?: number;
    cursor?: string | null;
  }): Promise<AuditPage>;
  listMembers(projectId: string): Promise<MemberView[]>;
  addMember(projectId: string, email: string, role: ProjectRole): Promise<MemberView>;
  setMemberRole(projectId: string, userId: string, role: ProjectRole): Promise<MemberView>;
  removeMember(projectId: string, userId: string): Promise<void>;
  /** URL of the service's event stream; EventSource cannot send headers, so the token rides in the query. */
  eventsUrl(serviceId: string): string;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Builds the client. The app calls it once in main.ts; tests call it with a fake fetch. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    // The API records the client on the rows it makes ("rollback (web)" in every history).
    const headers: Record<string, string> = { accept: 'application/json', 'x-kubidu-client': 'web', ...opts.headers };
    const token = options.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await doFetch(base + path, { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw new ApiError('NETWORK_ERROR', FALLBACK_MESSAGES.NETWORK_ERROR, 0);
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (res.ok) return parsed as T;
    if (res.status === 404 && opts.allow404) return undefined as T;
    const error = toApiError(res.status, parsed);
    if (res.status === 401 && token) options.onUnauthorized?.();
    throw error;
  }

  const enc = encodeURIComponent;
  return {
    request,
    login: (email, password) => request('/api/auth/login', { method: 'POST', body: { email, password } }),
    register: (email, password) => request('/api/auth/register', { method: 'POST', body: { email, password } }),
    me: () => request('/api/me'),
    config: async () => (await request<WebConfig | undefined>('/api/config', { allow404: true })) ?? { ...NO_LINKS },
    listProjects: async () => (await request<{ items: ProjectView[] }>('/api/projects')).items,
    getProject: (id) => request(`/api/projects/${enc(id)}`),
    listServices: async (projectId) =>
      (await request<{ items: ServiceView[] }>(`/api/projects/${enc(projectId)}/services`)).items,
    getService: (id) => request(`/api/services/${enc(id)}`),
    createProject: (body) => request('/api/projects', { method: 'POST', body }),
    createService: (projectId, body) => request(`/api/projects/${enc(projectId)}/services`, { method: 'POST', body }),
    deploy: (serviceId, body, key) =>
      request(`/api/services/${enc(serviceId)}/deployments`, { method: 'POST', body, headers: { 'idempotency-key': key } }),
    getEnv: (serviceId) => request(`/api/services/${enc(serviceId)}/env`),
    changeEnv: (serviceId, body, key) =>
      request(`/api/services/${enc(serviceId)}/env`, { method: 'PATCH', body, headers: { 'idempotency-key': key } }),
    getDeployment: (id) => request(`/api/deployments/${enc(id)}`),
    getRelations: (id) => request(`/api/deployments/${enc(id)}/relations`),
    listDeployments: (serviceId, o = {}) =>
      request(`/api/services/${enc(serviceId)}/deployments${query({ limit: o.limit, cursor: o.cursor })}`),
    getDiff: (id, only) => request(`/api/deployments/${enc(id)}/diff${query({ only })}`),
    rollback: (id, o) =>
      request(`/api/deployments/${enc(id)}/rollback`, {
        method: 'POST',
        body: { ...(o.reason ? { reason: o.reason } : {}), ...(o.only ? { only: o.only } : {}) },
        headers: { 'idempotency-key': o.idempotencyKey },
      }),
    release: (serviceId) => request(`/api/services/${enc(serviceId)}/release`, { method: 'POST' }),
    markBad: (id, reason) => request(`/api/deployments/${enc(id)}/bad`, { method: 'POST', body: { reason } }),
    unmarkBad: (id) => request(`/api/deployments/${enc(id)}/bad`, { method: 'DELETE' }),
    listAudit: (o) =>
      request(
        `/api/audit${query({ projectId: o.projectId, serviceId: o.serviceId, deploymentId: o.deploymentId, action: o.action, limit: o.limit, cursor: o.cursor })}`,
      ),
    listMembers: async (projectId) => (await request<{ items: MemberView[] }>(`/api/projects/${enc(projectId)}/members`)).items,
    addMember: (projectId, email, role) => request(`/api/projects/${enc(projectId)}/members`, { method: 'POST', body: { email, role } }),
    setMemberRole: (projectId, userId, role) =>
      request(`/api/projects/${enc(projectId)}/members/${enc(userId)}`, { method: 'PATCH', body: { role } }),
    removeMember: (projectId, userId) => request(`/api/projects/${enc(projectId)}/members/${enc(userId)}`, { method: 'DELETE' }),
    eventsUrl: (serviceId) =>
      `${base}/api/services/${enc(serviceId)}/events${query({ access_token: options.getToken() })}`,
  };
}
