/**
 * Small hand-written test helpers for the web unit tests: deployment rows and a
 * fake `fetch` that answers by route and records every call. Not a module mock:
 * it is handed into `createApiClient({ fetch })`.
 */
import type { DeploymentView } from '@kubidu/core/contract/deployments';

let counter = 0;

/** A deployment row with sensible defaults; ids are uuid-shaped and unique. */
export function deployment(over: Partial<DeploymentView> = {}): DeploymentView {
  counter++;
  const hex = counter.toString(16).padStart(8, '0');
  return {
    id: `${hex}-0000-4000-8000-000000000000`,
    serviceId: 'svc-1',
    status: 'SUCCESS',
    source: 'API',
    imageUrl: `registry.example.com/shop/web:1.${counter}.0`,
    commitSha: null,
    commitMessage: `release ${counter}`,
    port: 8080,
    replicas: 1,
    cpuLimit: null,
    memoryLimit: null,
    rollbackFromId: null,
    revertsDeploymentId: null,
    warning: null,
    createdById: 'user-1',
    actor: 'ada@example.com',
    manifestsCommitSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    statusMessage: null,
    reason: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, counter)).toISOString(),
    startedAt: null,
    finishedAt: null,
    isCurrent: false,
    canRollback: false,
    bad: null,
    rollbackOnly: null,
    via: 'api',
    door: 'api',
    holdOverridden: false,
    revertsSource: null,
    ...over,
  };
}

export interface RecordedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Route = (call: RecordedCall) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

/** A fake fetch: `routes['POST /api/x']` answers; unknown routes answer 404 ROUTE_NOT_FOUND. */
export function fakeFetch(routes: Record<string, Route>) {
  const calls: RecordedCall[] = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = { ...(init.headers as Record<string, string>) };
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const call = { method, url, headers, body };
    calls.push(call);
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    const route = routes[`${method} ${path}`];
    if (!route) return new Response(JSON.stringify({ statusCode: 404, code: 'ROUTE_NOT_FOUND', message: `no ${method} ${path}` }), { status: 404 });
    const answer = await route(call);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}
