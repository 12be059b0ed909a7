/**
 * The one place the CLI speaks HTTP. Maps every failure to a CliError the user
 * can act on: API errors keep the API's `code` and message, network errors name
 * the URL that was tried, a missing login says how to log in.
 */
import { ApiError, NetworkError, NotLoggedInError } from './errors.js';
import type { AuditView } from '@kubidu/core/contract/audit';
import type { Page } from '@kubidu/core/contract/common';
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
import { cliHint } from './api-hints.js';
import type { ProjectView, ServiceView } from '@kubidu/core/contract/projects';
import type { AddMemberBody, MemberView } from '@kubidu/core/contract/members';
import type { ProjectRole } from '@kubidu/core/contract/roles';
import type { ReleasePreview, ReleaseRollbackBody, ReleaseView } from '@kubidu/core/contract/releases';

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** false for the login/register calls. */
  auth?: boolean;
}

/** Typed client for docs/api-contract.md. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchFn: typeof fetch;

  constructor(opts: { baseUrl: string; token?: string; fetch?: typeof fetch }) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** Low-level request; resolves with the parsed JSON body of a 2xx answer. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    // The API records the client on the rows it makes, so history can say "via CLI".
    const headers: Record<string, string> = { accept: 'application/json', 'x-kubidu-client': 'cli', ...opts.headers };
    if (opts.auth !== false) {
      if (!this.token) throw new NotLoggedInError(this.baseUrl);
      headers.authorization = `Bearer ${this.token}`;
    }
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, body, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new NetworkError(url.toString(), err);
    }
    const text = await res.text();
    let json: unknown;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) {
      const e = (json ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === 'string' ? e.code : `HTTP_${res.status}`;
      const message = typeof e.message === 'string' ? e.message : `${method} ${url.pathname} answered ${res.status} ${res.statusText}`;
      throw new ApiError(res.status, code, cliHint(code, e.data) ?? message, e.data);
    }
    return json as T;
  }

  login(email: string, password: string): Promise<{ token: string; expiresAt: string | null }> {
    return this.request('POST', '/api/auth/login', { body: { email, password }, auth: false });
  }

  /** Signs out on the server: every login token of the user issued until now stops working. */
  async logout(): Promise<void> {
    await this.request('POST', '/api/auth/logout');
  }

  me(): Promise<{ id: string; email: string }> {
    return this.request('GET', '/api/me');
  }

  listProjects(): Promise<{ items: ProjectView[] }> {
    return this.request('GET', '/api/projects');
  }

  createProject(body: { name: string; slug?: string }): Promise<ProjectView> {
    return this.request('POST', '/api/projects', { body });
  }

  getProject(id: string): Promise<ProjectView> {
    return this.request('GET', `/api/projects/${encodeURIComponent(id)}`);
  }

  listMembers(projectId: string): Promise<{ items: MemberView[] }> {
    return this.request('GET', `/api/projects/${encodeURIComponent(projectId)}/members`);
  }

  addMember(projectId: string, body: AddMemberBody): Promise<MemberView> {
    return this.request('POST', `/api/projects/${encodeURIComponent(projectId)}/members`, { body });
  }

  setMemberRole(projectId: string, userId: string, role: ProjectRole): Promise<MemberView> {
    return this.request('PATCH', `/api/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`, { body: { role } });
  }

  removeMember(projectId: string, userId: string): Promise<void> {
    return this.request('DELETE', `/api/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`);
  }

  listServices(projectId: string): Promise<{ items: ServiceView[] }> {
    return this.request('GET', `/api/projects/${encodeURIComponent(projectId)}/services`);
  }

  createService(projectId: string, body: { name: string; port?: number }): Promise<ServiceView> {
    return this.request('POST', `/api/projects/${encodeURIComponent(projectId)}/services`, { body });
  }

  getService(id: string): Promise<ServiceView> {
    return this.request('GET', `/api/services/${encodeURIComponent(id)}`);
  }

  createDeployment(serviceId: string, body: DeployBody): Promise<DeploymentView> {
    return this.request('POST', `/api/services/${encodeURIComponent(serviceId)}/deployments`, { body });
  }

  /** The env the next deploy inherits (the current deployment's); secret values are null. */
  getServiceEnv(serviceId: string): Promise<ServiceEnv> {
    return this.request('GET', `/api/services/${encodeURIComponent(serviceId)}/env`);
  }

  /** A new deployment of the current image with env set and unset. */
  changeEnv(serviceId: string, body: EnvPatchBody): Promise<DeploymentView> {
    return this.request('PATCH', `/api/services/${encodeURIComponent(serviceId)}/env`, { body });
  }

  listDeployments(serviceId: string, query: { limit?: number; cursor?: string; idPrefix?: string } = {}): Promise<DeploymentPage> {
    return this.request('GET', `/api/services/${encodeURIComponent(serviceId)}/deployments`, { query });
  }

  getDeployment(id: string): Promise<DeploymentDetail> {
    return this.request('GET', `/api/deployments/${encodeURIComponent(id)}`);
  }

  getDiff(id: string, only?: RollbackOnly): Promise<DeploymentDiff> {
    return this.request('GET', `/api/deployments/${encodeURIComponent(id)}/diff`, { query: { only } });
  }

  release(serviceId: string): Promise<{ released: DeployHoldView }> {
    return this.request('POST', `/api/services/${encodeURIComponent(serviceId)}/release`);
  }

  markBad(id: string, reason: string): Promise<DeploymentView> {
    return this.request('POST', `/api/deployments/${encodeURIComponent(id)}/bad`, { body: { reason } });
  }

  unmarkBad(id: string): Promise<DeploymentView> {
    return this.request('DELETE', `/api/deployments/${encodeURIComponent(id)}/bad`);
  }

  rollback(id: string, body: { reason?: string; only?: RollbackOnly }, idempotencyKey: string): Promise<DeploymentView> {
    return this.request('POST', `/api/deployments/${encodeURIComponent(id)}/rollback`, {
      body,
      headers: { 'idempotency-key': idempotencyKey },
    });
  }

  /** Changes a service's settings (the automatic-rollback opt-in). */
  updateService(id: string, body: { autoRollback: boolean }): Promise<ServiceView> {
    return this.request('PATCH', `/api/services/${encodeURIComponent(id)}`, { body });
  }

  /** What rolling the project back would change, service by service. */
  previewProjectRollback(projectId: string, query: { at?: string; release?: string; services?: string }): Promise<ReleasePreview> {
    return this.request('GET', `/api/projects/${encodeURIComponent(projectId)}/rollback/preview`, { query });
  }

  /** Rolls the project back (one row per changed service, one commit). */
  rollbackProject(projectId: string, body: ReleaseRollbackBody): Promise<ReleaseView> {
    return this.request('POST', `/api/projects/${encodeURIComponent(projectId)}/rollback`, { body });
  }

  getRelease(id: string): Promise<ReleaseView> {
    return this.request('GET', `/api/releases/${encodeURIComponent(id)}`);
  }

  listAudit(query: { projectId?: string; serviceId?: string; limit?: number; cursor?: string }): Promise<Page<AuditView>> {
    return this.request('GET', '/api/audit', { query });
  }
}
