/**
 * The in-cluster trigger (KUBIDU_SYNC=kubernetes) through the real @kubernetes/client-node
 * against a tiny fake kube-apiserver that insists on a JSON merge patch to the Application path,
 * honours resourceVersion preconditions, and plays Argo CD's controller for the sync step test.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesApplicationSync, REFRESH_ANNOTATION } from '../../src/adapters/kubernetes/application-sync.js';
import { ArgoAppNotFoundError, ArgoAuthError, ArgoOperationInProgressError } from '../../src/adapters/argocd/errors.js';
import type { ArgoApplication } from '../../src/adapters/argocd/types.js';
import { createSyncStep } from '../../src/steps/sync-step.js';

const NS = 'argocd';
const PATH = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/applications/shop-web`;
const SHA = 'c0ffee0000000000000000000000000000000001';

/** RFC 7386 JSON merge patch. */
function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Seen { method: string; path: string; contentType?: string; body?: any }
let seen: Seen[] = [];
let app: ArgoApplication;
let forceStatus: number | undefined;
let rv = 1;
let url: string;
let close: () => Promise<void>;

function freshApp(): ArgoApplication {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop-web', namespace: NS, resourceVersion: String(rv++) },
    spec: { project: 'shop', source: { repoURL: 'http://git.example/manifests.git', path: 'apps/shop/web', targetRevision: 'main' }, syncPolicy: { automated: { prune: true, selfHeal: true } } },
    status: { sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } },
  };
}

/** Plays Argo CD's application controller: picks up `operation` and runs it. */
function controllerTick() {
  const op = app.operation;
  if (!op) return;
  const revision = op.sync?.revision ?? SHA;
  app.status!.operationState = { operation: op, phase: 'Running', startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  delete app.operation;
  setTimeout(() => {
    app.status!.operationState = { ...app.status!.operationState!, phase: 'Succeeded', message: 'successfully synced (all tasks run)', syncResult: { revision } };
    app.status!.sync = { status: 'Synced', revision };
    app.status!.health = { status: 'Healthy' };
    app.metadata!.resourceVersion = String(rv++);
  }, 30);
}

beforeAll(async () => {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const entry: Seen = { method: req.method!, path: req.url!, contentType: req.headers['content-type'], body: raw ? JSON.parse(raw) : undefined };
    seen.push(entry);
    const reply = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const status = (code: number, reason: string, message: string) => reply(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
    if (forceStatus) return status(forceStatus, forceStatus === 403 ? 'Forbidden' : 'NotFound', forceStatus === 403
      ? 'applications.argoproj.io "shop-web" is forbidden: User "system:serviceaccount:kubidu:kubidu" cannot patch resource "applications" in API group "argoproj.io" in the namespace "argocd"'
      : 'applications.argoproj.io "shop-web" not found');
    if (req.url !== PATH) return status(404, 'NotFound', `the server could not find the requested resource (${req.url})`);
    if (req.method === 'GET') return reply(200, app);
    if (req.method !== 'PATCH') return status(405, 'MethodNotAllowed', 'method not allowed');
    if (req.headers['content-type'] !== 'application/merge-patch+json') {
      return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    const want = entry.body?.metadata?.resourceVersion;
    if (want && want !== app.metadata!.resourceVersion) {
      return status(409, 'Conflict', 'Operation cannot be fulfilled on applications.argoproj.io "shop-web": the object has been modified; please apply your changes to the latest version and try again');
    }
    app = mergePatch(app, entry.body);
    app.metadata!.resourceVersion = String(rv++);
    setTimeout(controllerTick, 10);
    return reply(200, app);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((r) => server.close(() => r()));
});
afterAll(async () => close?.());
beforeEach(() => {
  seen = [];
  app = freshApp();
  forceStatus = undefined;
});

function trigger() {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'kubidu', token: 'fake-sa-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'kubidu' }],
    currentContext: 'fake',
  });
  return new KubernetesApplicationSync({ kubeConfig: kc, namespace: NS });
}

describe('KubernetesApplicationSync', () => {
  it('refreshes with a merge patch of the refresh annotation', async () => {
    const out = await trigger().getApplication('shop-web', { refresh: 'normal' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'PATCH', path: PATH, contentType: 'application/merge-patch+json', body: { metadata: { annotations: { [REFRESH_ANNOTATION]: 'normal' } } } });
    expect(out.metadata?.annotations?.[REFRESH_ANNOTATION]).toBe('normal');
  });

  it('sets operation (sync with revision, infos, initiatedBy) with a merge patch and a resourceVersion precondition', async () => {
    const infos = [{ name: 'Kubidu-Deployment', value: 'd-1' }];
    const rvBefore = app.metadata!.resourceVersion;
    const out = await trigger().sync('shop-web', { revision: SHA, infos, prune: true });
    const patch = seen.find((s) => s.method === 'PATCH')!;
    expect(patch).toMatchObject({ path: PATH, contentType: 'application/merge-patch+json' });
    expect(patch.body).toEqual({
      metadata: { resourceVersion: rvBefore },
      operation: { initiatedBy: { username: 'kubidu' }, info: infos, sync: { revision: SHA, prune: true } },
    });
    expect(out.operation?.sync?.revision).toBe(SHA);
  });

  it('refuses to start a second operation, like Argo CD', async () => {
    app.operation = { sync: {}, initiatedBy: { automated: true } };
    const err = await trigger().sync('shop-web', {}).catch((e) => e);
    expect(err).toBeInstanceOf(ArgoOperationInProgressError);
    expect(seen.filter((s) => s.method === 'PATCH')).toHaveLength(0);
  });

  it('maps 404 and 403 to actionable terminal errors', async () => {
    forceStatus = 404;
    const nf = await trigger().getApplication('shop-web').catch((e) => e);
    expect(nf).toBeInstanceOf(ArgoAppNotFoundError);
    expect(nf.message).toContain('check ARGOCD_APP_TEMPLATE and ARGOCD_NAMESPACE');
    forceStatus = 403;
    const fb = await trigger().sync('shop-web', {}).catch((e) => e);
    expect(fb).toBeInstanceOf(ArgoAuthError);
    expect(fb.message).toContain('cannot patch resource "applications"');
    expect(fb.retryable).toBe(false);
  });

  it('drives the sync step to RUNNING', async () => {
    const step = createSyncStep({ argo: trigger(), minPollMs: 10, maxPollMs: 50 });
    const out = await step.run({
      appName: 'shop-web', commitSha: SHA, deploymentId: 'd-2', actor: 'ada@example.com', reason: null,
      isDescendant: async (d, a) => d === a, deadlineMs: 10_000,
    });
    expect(out).toMatchObject({ outcome: 'RUNNING', syncedRevision: SHA });
    const patches = seen.filter((s) => s.method === 'PATCH');
    expect(patches.every((p) => p.contentType === 'application/merge-patch+json')).toBe(true);
    // Auto-sync app: no revision in the operation.
    expect(patches[1].body.operation.sync).toEqual({ prune: true, syncOptions: ['FailOnSharedResource=true'] });
    expect(patches[1].body.operation.info).toContainEqual({ name: 'Kubidu-Deployment', value: 'd-2' });
  });
});
