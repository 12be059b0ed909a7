/**
 * A contract-faithful Argo CD test server (Argo CD itself cannot run here). Shared harness:
 * the controller's Argo CD tests, the fault tests and the benchmark use it.
 *
 * - Every request is checked against the vendored swagger (./argocd-contract.ts): the path and
 *   method must exist, non-GET requests must say exactly `Content-Type: application/json`
 *   (else 415), query parameters must be declared and bodies must match the definition (else
 *   400). Its own answers are checked against the same swagger. Every violation is also kept in
 *   `violations` so a test can assert there were none.
 * - Auth: a bearer API token, or a session JWT from POST /api/v1/session; expired or revoked
 *   sessions get 401 like Argo CD.
 * - An unknown application is answered as Argo CD's getAppEnforceRBAC does: 403 "permission
 *   denied" (gRPC 7) when the request names no `project` (it does not reveal whether the app
 *   exists), 404 only when a project is named and the app is not in it.
 * - What happens after a request (operation pick-up, the render with real `git` and
 *   `kubectl kustomize`, the stale window, health, auto-sync) is ./argocd-app-controller.ts,
 *   with realistic default delays (DEFAULT_ARGO_DELAYS) that a test may shorten.
 * - `setFailure(mode)` makes it fail in each documented way, with Argo CD's own messages.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import type { ArgoApplication, ArgoInfo, ArgoOperation, ArgoSyncRequest } from '../controller/src/adapters/argocd/types.js';
import { loadArgoContract, type ContractRoute as Route } from './argocd-contract.js';
import { createRepoServer, RepoServerError, type RenderedApp } from './argocd-repo-server.js';
import {
  createAppController,
  DEFAULT_ARGO_DELAYS,
  ts,
  type ArgoDelays,
  type ArgoTestApp,
  type OperationOutcome,
} from './argocd-app-controller.js';

export { DEFAULT_ARGO_DELAYS, INSTANT_ARGO_DELAYS, type ArgoDelays, type ArgoTestApp } from './argocd-app-controller.js';
export type { RenderedApp } from './argocd-repo-server.js';

/** Every way the server can be told to fail. */
export type ArgoFailureMode =
  | 'none'
  | 'unauthorized'
  | 'forbidden'
  | 'app-not-found'
  | 'sync-window'
  | 'operation-in-progress'
  | 'auto-sync-revision'
  | 'http-500'
  | 'timeout'
  | 'sync-failed'
  | 'degraded'
  | 'down';

/** What a test configures: the remote, the apps, and any delays it wants shorter than Argo CD's. */
export interface ArgoTestServerOptions {
  /** The manifests repo URL (same for all apps), or a function per app. */
  repoURL?: string;
  gitUrl?: (appName: string) => string;
  apps: ArgoTestApp[];
  /** Overrides of DEFAULT_ARGO_DELAYS. */
  delays?: Partial<ArgoDelays>;
  /** Local account for POST /api/v1/session (default kubidu / kubidu-password). */
  account?: { username: string; password: string };
  /** Lifetime of session JWTs (default 3600). */
  sessionTtlSeconds?: number;
}

/** Options for setFailure: how many times (for counted modes) and the message to use. */
export interface FailureOptions {
  /**
   * Counted modes: how many times. For 'sync-failed' and 'degraded': how many operations end
   * that way before the next ones succeed again (default: all of them).
   */
  times?: number;
  message?: string;
  /** 'sync-failed' and 'degraded' only: fail only the operations of these apps (default: every app). */
  apps?: string[];
}

/** One logged request. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
}

/** The running server and what a test may inspect or change. */
export interface ArgoTestServer {
  url: string;
  /** A valid API token (like `argocd account generate-token --account kubidu`). */
  token: string;
  account: { username: string; password: string };
  apps: Map<string, ArgoApplication>;
  requests: LoggedRequest[];
  /** Contract violations seen (requests the real Argo CD would refuse, or bad answers of this server). */
  violations: string[];
  /** The delays in force (defaults merged with the test's); a test may change them while it runs. */
  delays: ArgoDelays;
  setFailure(mode: ArgoFailureMode, opts?: FailureOptions): void;
  /** Makes every session issued so far invalid (the next use gets 401). */
  revokeSessions(): void;
  /** What the last successful operation applied (the objects `kubectl kustomize` produced). */
  renderedFor(appName: string): RenderedApp | undefined;
  /** One reconcile of every app now, as Argo CD's periodic poll does (auto-sync included). */
  pollNow(): Promise<void>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const GRPC = { InvalidArgument: 3, NotFound: 5, PermissionDenied: 7, FailedPrecondition: 9, Internal: 13, Unauthenticated: 16 };
const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

function signJwt(secret: Buffer, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

function verifyJwt(secret: Buffer, token: string): Record<string, any> | 'invalid' {
  const [head, body, sig] = token.split('.');
  if (!head || !body || !sig) return 'invalid';
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  if (expected !== sig) return 'invalid';
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
}

class HttpError extends Error {
  constructor(readonly status: number, readonly grpc: number, message: string) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------

/** Starts the server on 127.0.0.1 and a free port. */
export async function startArgoTestServer(opts: ArgoTestServerOptions): Promise<ArgoTestServer> {
  const { routes, errorSchema } = loadArgoContract();
  const secret = randomBytes(32);
  const account = opts.account ?? { username: 'kubidu', password: 'kubidu-password' };
  const ttl = opts.sessionTtlSeconds ?? 3600;
  const delays: ArgoDelays = { ...DEFAULT_ARGO_DELAYS, ...opts.delays };
  const repoFor = (name: string) => opts.gitUrl?.(name) ?? opts.repoURL ?? '';
  const token = signJwt(secret, { iss: 'argocd', sub: `${account.username}:apiKey`, jti: randomBytes(8).toString('hex'), iat: Math.floor(Date.now() / 1000) });
  let sessionGeneration = 0;

  const requests: LoggedRequest[] = [];
  const violations: string[] = [];
  const specs = new Map(opts.apps.map((a) => [a.name, a]));
  const apps = new Map<string, ArgoApplication>();
  for (const a of opts.apps) {
    apps.set(a.name, {
      metadata: { name: a.name, namespace: 'argocd', resourceVersion: '0', creationTimestamp: ts(), labels: { 'kubidu.dev/project': a.project } },
      spec: {
        project: a.project,
        source: { repoURL: repoFor(a.name), path: a.path, targetRevision: a.targetRevision },
        destination: { server: 'https://kubernetes.default.svc', namespace: a.project },
        ...(a.automated ? { syncPolicy: { automated: { prune: true, selfHeal: true } } } : {}),
      },
      status: { sync: { status: 'OutOfSync' }, health: { status: 'Missing' } },
    });
  }

  let failure: ArgoFailureMode = 'none';
  let remaining = 0;
  let failureMessage: string | undefined;
  let failureApps: Set<string> | undefined;
  const hanging = new Set<ServerResponse>();

  const repo = createRepoServer();
  const controller = createAppController({
    apps,
    specs,
    repo,
    repoFor,
    delays,
    outcomeNow: (appName) => {
      let outcome: OperationOutcome = 'succeed';
      if ((failure === 'sync-failed' || failure === 'degraded') && (!failureApps || failureApps.has(appName)) && remaining !== 0) {
        outcome = failure;
        if (remaining > 0) remaining--;
      }
      return { outcome, message: failureMessage, autoSyncBlocked: failure === 'sync-window' };
    },
    onCrash: (m) => violations.push(m),
  });

  // ------------------------------------------------------------------ handlers
  function authenticate(req: IncomingMessage): string {
    if (failure === 'unauthorized') throw new HttpError(401, GRPC.Unauthenticated, failureMessage ?? 'invalid session: token signature is invalid');
    const h = req.headers.authorization;
    const bearer = h?.startsWith('Bearer ') ? h.slice(7) : undefined;
    if (!bearer) throw new HttpError(401, GRPC.Unauthenticated, 'no session information');
    const claims = verifyJwt(secret, bearer);
    if (claims === 'invalid') throw new HttpError(401, GRPC.Unauthenticated, 'invalid session: token signature is invalid');
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) throw new HttpError(401, GRPC.Unauthenticated, 'invalid session: token has invalid claims: token is expired');
    if (typeof claims.gen === 'number' && claims.gen !== sessionGeneration) throw new HttpError(401, GRPC.Unauthenticated, 'invalid session: token is revoked');
    return String(claims.sub).split(':')[0];
  }

  /**
   * Argo CD's getAppEnforceRBAC for an account allowed everywhere: without a project an app
   * that does not exist is "permission denied" (its existence is not revealed); with a project,
   * an app that does not exist, or exists in another project, is NotFound.
   */
  function findApp(name: string, project: string | undefined, appNamespace: string | undefined): ArgoApplication {
    const app = failure === 'app-not-found' || (appNamespace && appNamespace !== 'argocd') ? undefined : apps.get(name);
    const notFound = () => new HttpError(404, GRPC.NotFound, `applications.argoproj.io "${name}" not found`);
    if (!app) throw project ? notFound() : new HttpError(403, GRPC.PermissionDenied, 'permission denied');
    if (project && project !== (app.spec?.project || 'default')) throw notFound();
    return app;
  }

  /** What GET shows: in 'auto-sync-revision' mode the app hides its auto-sync (it was just switched on). */
  function view(app: ArgoApplication): ArgoApplication {
    const copy = structuredClone(app);
    if (failure === 'auto-sync-revision' && copy.spec) delete copy.spec.syncPolicy;
    return copy;
  }

  async function resolve(spec: ArgoTestApp, revision: string | undefined): Promise<string> {
    try {
      return await repo.resolve(repoFor(spec.name), revision || spec.targetRevision || 'HEAD');
    } catch (err) {
      if (err instanceof RepoServerError) throw new HttpError(400, GRPC.FailedPrecondition, err.message);
      throw err;
    }
  }

  async function handle(route: Route, params: Record<string, string>, query: Record<string, string>, body: any, req: IncomingMessage): Promise<unknown> {
    switch (route.operationId) {
      case 'SessionService_Create': {
        if (failure === 'unauthorized' || body.username !== account.username || body.password !== account.password) {
          throw new HttpError(401, GRPC.Unauthenticated, 'Invalid username or password');
        }
        const now = Math.floor(Date.now() / 1000);
        return { token: signJwt(secret, { iss: 'argocd', sub: account.username, iat: now, nbf: now, exp: now + ttl, jti: randomBytes(8).toString('hex'), gen: sessionGeneration }) };
      }
      case 'SessionService_Delete':
        return {};
      case 'ApplicationService_Get': {
        authenticate(req);
        if (query.project && query.projects && query.project !== query.projects) {
          throw new HttpError(400, GRPC.InvalidArgument, 'multiple projects specified - the get endpoint accepts either zero or one project');
        }
        if (query.refresh !== undefined && query.refresh !== 'normal' && query.refresh !== 'hard') {
          throw new HttpError(400, GRPC.InvalidArgument, `unknown refresh type '${query.refresh}'`);
        }
        const app = findApp(params.name, query.project || query.projects, query.appNamespace);
        if (query.refresh) {
          // Argo CD answers a refresh once the controller has reconciled the app (auto-sync included).
          await new Promise((r) => setTimeout(r, delays.refreshMs));
          await controller.reconcile(params.name);
        }
        return view(app);
      }
      case 'ApplicationService_Sync': {
        const user = authenticate(req);
        const sync = body as ArgoSyncRequest;
        const app = findApp(params.name, sync.project, sync.appNamespace);
        const spec = specs.get(params.name)!;
        if (sync.name !== undefined && sync.name !== params.name) throw new HttpError(400, GRPC.InvalidArgument, 'name in path and body differ');
        if (failure === 'sync-window') throw new HttpError(403, GRPC.PermissionDenied, failureMessage ?? 'Cannot sync: Blocked by sync window');
        if (failure === 'forbidden') {
          // The app exists (the get check passed): Argo CD's EnforceErr names the action and object.
          throw new HttpError(403, GRPC.PermissionDenied, `permission denied: applications, sync, ${spec.project}/${spec.name}, sub: ${user}, iat: ${ts()}`);
        }
        const automated = spec.automated || failure === 'auto-sync-revision';
        if (automated && sync.revision && sync.revision !== (spec.targetRevision || 'HEAD')) {
          throw new HttpError(400, GRPC.FailedPrecondition, `Cannot sync to ${sync.revision}: auto-sync currently set to ${spec.targetRevision}`);
        }
        if (failure === 'operation-in-progress' && remaining > 0 && !app.operation) {
          remaining--;
          controller.startForeignOperation(params.name);
        }
        const busy = () => new HttpError(400, GRPC.FailedPrecondition, 'another operation is already in progress');
        if (app.operation) throw busy();
        const revision = await resolve(spec, sync.revision);
        if (app.operation) throw busy(); // another one may have started while the revision resolved
        const operation: ArgoOperation = {
          sync: { revision, ...(sync.prune ? { prune: true } : {}), ...(sync.syncOptions?.items?.length ? { syncOptions: sync.syncOptions.items } : {}) },
          initiatedBy: { username: user },
          ...(sync.infos?.length ? { info: sync.infos as ArgoInfo[] } : {}),
          retry: {},
        };
        controller.requestOperation(params.name, operation);
        return view(app);
      }
      case 'ApplicationService_TerminateOperation': {
        authenticate(req);
        const app = findApp(params.name, query.project, query.appNamespace);
        const state = app.status?.operationState;
        if (!app.operation || !state || state.phase !== 'Running') {
          throw new HttpError(400, GRPC.InvalidArgument, 'Unable to terminate operation. No operation is in progress');
        }
        controller.terminate(params.name);
        return {};
      }
    }
    throw new HttpError(501, 12, `not implemented in the test server: ${route.operationId}`);
  }

  function send(res: ServerResponse, status: number, body: unknown, log: LoggedRequest, route?: Route) {
    const validate = status === 200 ? route?.response : errorSchema;
    if (validate && !validate(body)) {
      violations.push(`response of ${route?.operationId ?? log.path} ${status} breaks the swagger: ${JSON.stringify(validate.errors)}`);
    }
    log.status = status;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  const sendError = (res: ServerResponse, err: HttpError, log: LoggedRequest, route?: Route) =>
    send(res, err.status, { error: err.message, code: err.grpc, message: err.message }, log, route);

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const log: LoggedRequest = { method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: { ...req.headers }, body: undefined, status: 0 };
    requests.push(log);

    if (failure === 'timeout') {
      hanging.add(res);
      return; // never answer
    }
    if (failure === 'http-500' && remaining > 0) {
      remaining--;
      return sendError(res, new HttpError(500, GRPC.Internal, failureMessage ?? 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.96.0.12:8081: connect: connection refused"'), log);
    }

    const route = routes.find((r) => r.method === req.method && r.regex.test(u.pathname));
    if (!route) {
      const pathExists = routes.some((r) => r.regex.test(u.pathname));
      violations.push(`${req.method} ${u.pathname} is not in the swagger`);
      return sendError(res, new HttpError(pathExists ? 405 : 404, 12, pathExists ? 'Method Not Allowed' : 'Not Found'), log);
    }
    const m = route.regex.exec(u.pathname)!;
    const params = Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(m[i + 1])]));

    if (req.method !== 'GET') {
      const ct = req.headers['content-type'];
      if (ct !== 'application/json') {
        violations.push(`${req.method} ${u.pathname} sent Content-Type ${ct ?? '(none)'}`);
        return sendError(res, new HttpError(415, GRPC.InvalidArgument, `Unsupported Media Type: Content-Type must be application/json, got ${ct ?? 'none'}`), log);
      }
    }
    for (const q of u.searchParams.keys()) {
      if (!route.query.has(q)) {
        violations.push(`${route.operationId}: query parameter '${q}' is not in the swagger`);
        return sendError(res, new HttpError(400, GRPC.InvalidArgument, `unknown query parameter '${q}'`), log);
      }
    }
    let body: unknown = undefined;
    if (route.body) {
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        violations.push(`${route.operationId}: body is not JSON`);
        return sendError(res, new HttpError(400, GRPC.InvalidArgument, 'invalid character in request body'), log);
      }
      log.body = body;
      if (body === undefined || !route.body(body)) {
        violations.push(`${route.operationId}: body breaks the swagger: ${JSON.stringify(route.body.errors)}`);
        return sendError(res, new HttpError(400, GRPC.InvalidArgument, `request body does not match ${route.operationId}: ${JSON.stringify(route.body.errors)}`), log);
      }
    } else if (raw) {
      log.body = raw;
      violations.push(`${route.operationId}: has no body in the swagger but got one`);
    }
    try {
      const out = await handle(route, params, log.query, body, req);
      send(res, 200, out, log, route);
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err, log, route);
      violations.push(`server error: ${(err as Error).stack}`);
      return sendError(res, new HttpError(500, GRPC.Internal, (err as Error).message), log, route);
    }
  }

  // ------------------------------------------------------------------ lifecycle
  const sockets = new Set<Socket>();
  let server: Server = createServer((req, res) => void onRequest(req, res));
  const track = (s: Server) => s.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  const closeServer = async () => {
    if (!listening) return;
    listening = false;
    for (const r of hanging) r.destroy();
    hanging.clear();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    account,
    apps,
    requests,
    violations,
    setFailure(mode, o = {}) {
      const wasDown = failure === 'down';
      failure = mode;
      failureMessage = o.message;
      failureApps = o.apps ? new Set(o.apps) : undefined;
      // -1: every operation ('sync-failed' / 'degraded' without `times`).
      remaining = o.times ?? (mode === 'http-500' || mode === 'operation-in-progress' ? 2 : mode === 'sync-failed' || mode === 'degraded' ? -1 : 0);
      if (mode !== 'timeout') {
        for (const r of hanging) r.destroy();
        hanging.clear();
      }
      if (mode === 'down') void closeServer();
      else if (wasDown && !listening) {
        server = createServer((req, res) => void onRequest(req, res));
        track(server);
        server.listen(port, '127.0.0.1');
        listening = true;
      }
    },
    revokeSessions() {
      sessionGeneration++;
    },
    delays,
    renderedFor: (name) => controller.renderedFor(name),
    async pollNow() {
      await Promise.all([...apps.keys()].map((name) => controller.reconcile(name)));
    },
    async stop() {
      controller.stop();
      await closeServer();
      await repo.stop();
    },
  };
}
