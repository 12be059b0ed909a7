/**
 * A contract-faithful Argo CD test server (Argo CD itself cannot run here).
 *
 * - Every request is checked against the vendored swagger (contracts/argocd/swagger.json):
 *   the path and method must exist, non-GET requests must say exactly
 *   `Content-Type: application/json` (else 415), query parameters must be declared and bodies
 *   must match the definition (else 400). It is stricter than Argo CD in one way: unknown body
 *   fields are rejected, so a misspelt field fails a test instead of being ignored.
 *   Its own answers are checked against the same swagger. Every violation is also kept in
 *   `violations` so a test can assert there were none.
 * - Auth: a bearer API token, or a session JWT from POST /api/v1/session; expired or revoked
 *   sessions get 401 like Argo CD.
 * - A sync resolves the revision against the real git remote (`git ls-remote`), clones it at
 *   that revision with the real `git`, renders the app path with `kubectl kustomize`, keeps the
 *   rendered objects, and reports operationState Running → Succeeded (syncResult.revision)
 *   and health Progressing → Healthy.
 * - `setFailure(mode)` makes it fail in each documented way, with Argo CD's own messages.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import type {
  ArgoApplication,
  ArgoInfo,
  ArgoResourceResult,
  ArgoSyncRequest,
} from '../../src/adapters/argocd/types.js';

const execFileAsync = promisify(execFile);
const SWAGGER_PATH = fileURLToPath(new URL('../../../contracts/argocd/swagger.json', import.meta.url));
const KUBECTL = '/usr/bin/kubectl';

/** One Application the server knows. */
export interface ArgoTestApp {
  name: string;
  project: string;
  /** Path inside the manifests repo, e.g. apps/shop/web. */
  path: string;
  /** Branch, tag or commit the app tracks (Argo CD's spec.source.targetRevision). */
  targetRevision: string;
  /** Auto-sync on (prune + selfHeal), like the ApplicationSet makes them. */
  automated?: boolean;
}

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

export interface ArgoTestServerOptions {
  /** The manifests repo URL (same for all apps), or a function per app. */
  repoURL?: string;
  gitUrl?: (appName: string) => string;
  apps: ArgoTestApp[];
  delays?: {
    /** Running → Succeeded after the render (default 0). */
    syncMs?: number;
    /** Progressing → Healthy after Succeeded (default 0). */
    healthyMs?: number;
    /** How long the other operation in 'operation-in-progress' runs (default 30). */
    foreignOperationMs?: number;
  };
  /** Local account for POST /api/v1/session (default kubidu / kubidu-password). */
  account?: { username: string; password: string };
  /** Lifetime of session JWTs (default 3600). */
  sessionTtlSeconds?: number;
}

/** Options for setFailure: how many times (for counted modes) and the message to use. */
export interface FailureOptions {
  times?: number;
  message?: string;
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

/** What renderedFor() returns: the objects `kubectl kustomize` produced for the synced revision. */
export interface RenderedApp {
  revision: string;
  objects: Array<Record<string, any>>;
  images: string[];
}

export interface ArgoTestServer {
  url: string;
  /** A valid API token (like `argocd account generate-token --account kubidu`). */
  token: string;
  account: { username: string; password: string };
  apps: Map<string, ArgoApplication>;
  requests: LoggedRequest[];
  /** Contract violations seen (requests the real Argo CD would refuse, or bad answers of this server). */
  violations: string[];
  setFailure(mode: ArgoFailureMode, opts?: FailureOptions): void;
  /** Makes every session issued so far invalid (the next use gets 401). */
  revokeSessions(): void;
  renderedFor(appName: string): RenderedApp | undefined;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Contract validation

type Swagger = {
  paths: Record<string, Record<string, { operationId: string; parameters?: Array<{ name: string; in: string; schema?: { $ref: string }; type?: string }>; responses: Record<string, { schema?: { $ref: string } }> }>>;
  definitions: Record<string, any>;
};

/** Adds additionalProperties:false to every object schema that lists its properties. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  params: string[];
  operationId: string;
  query: Set<string>;
  body?: ValidateFunction;
  response?: ValidateFunction;
}

function loadContract(): { routes: Route[]; errorSchema: ValidateFunction } {
  const swagger = JSON.parse(readFileSync(SWAGGER_PATH, 'utf8')) as Swagger;
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const f of ['int32', 'int64', 'byte', 'date-time', 'uint32', 'uint64', 'double', 'float']) ajv.addFormat(f, true);
  ajv.addSchema({ $id: 'argocd', definitions: strict(swagger.definitions) });
  const ref = (r: string) => ajv.compile({ $ref: `argocd${r}` });
  const routes: Route[] = [];
  for (const [template, ops] of Object.entries(swagger.paths)) {
    const params: string[] = [];
    const regex = new RegExp('^' + template.replace(/\{([^}]+)\}/g, (_m, p) => (params.push(p), '([^/]+)')) + '$');
    for (const [method, op] of Object.entries(ops)) {
      const bodyParam = op.parameters?.find((p) => p.in === 'body');
      const ok = op.responses['200']?.schema?.$ref;
      routes.push({
        method: method.toUpperCase(),
        template,
        regex,
        params,
        operationId: op.operationId,
        query: new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)),
        body: bodyParam?.schema ? ref(bodyParam.schema.$ref) : undefined,
        response: ok ? ref(ok) : undefined,
      });
    }
  }
  return { routes, errorSchema: ref('#/definitions/runtimeError') };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const GRPC = { InvalidArgument: 3, NotFound: 5, PermissionDenied: 7, FailedPrecondition: 9, Internal: 13, Unauthenticated: 16 };
const ts = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
  const { routes, errorSchema } = loadContract();
  const secret = randomBytes(32);
  const account = opts.account ?? { username: 'kubidu', password: 'kubidu-password' };
  const ttl = opts.sessionTtlSeconds ?? 3600;
  const delays = { syncMs: 0, healthyMs: 0, foreignOperationMs: 30, ...opts.delays };
  const repoFor = (name: string) => opts.gitUrl?.(name) ?? opts.repoURL ?? '';
  const token = signJwt(secret, { iss: 'argocd', sub: `${account.username}:apiKey`, jti: randomBytes(8).toString('hex'), iat: Math.floor(Date.now() / 1000) });
  let sessionGeneration = 0;

  const requests: LoggedRequest[] = [];
  const violations: string[] = [];
  const rendered = new Map<string, RenderedApp>();
  const specs = new Map(opts.apps.map((a) => [a.name, a]));
  let resourceVersion = 1;
  const apps = new Map<string, ArgoApplication>();
  for (const a of opts.apps) {
    apps.set(a.name, {
      metadata: { name: a.name, namespace: 'argocd', resourceVersion: String(resourceVersion++), creationTimestamp: ts(), labels: { 'kubidu.dev/project': a.project } },
      spec: {
        project: a.project,
        source: { repoURL: repoFor(a.name), path: a.path, targetRevision: a.targetRevision },
        destination: { server: 'https://kubernetes.default.svc', namespace: a.project },
        ...(a.automated ? { syncPolicy: { automated: { prune: true, selfHeal: true } } } : {}),
      },
      status: { sync: { status: 'OutOfSync' }, health: { status: 'Missing' } },
    });
  }
  const touch = (app: ArgoApplication) => {
    app.metadata!.resourceVersion = String(resourceVersion++);
  };

  let failure: ArgoFailureMode = 'none';
  let remaining = 0;
  let failureMessage: string | undefined;
  const hanging = new Set<ServerResponse>();

  // ------------------------------------------------------------------ sync engine
  async function resolveRevision(app: ArgoTestApp, requested: string | undefined): Promise<string> {
    const rev = requested || app.targetRevision || 'HEAD';
    if (/^[0-9a-f]{40}$/.test(rev)) return rev;
    const { stdout } = await execFileAsync('git', ['ls-remote', repoFor(app.name), rev === 'HEAD' ? 'HEAD' : `refs/heads/${rev}`, `refs/tags/${rev}`]);
    const sha = stdout.split('\n')[0]?.split('\t')[0];
    if (!sha) throw new HttpError(400, GRPC.FailedPrecondition, `unable to resolve '${rev}' to a commit SHA`);
    return sha;
  }

  async function render(app: ArgoTestApp, revision: string): Promise<RenderedApp> {
    const dir = await mkdtemp(join(tmpdir(), 'kubidu-argocd-render-'));
    const repo = repoFor(app.name);
    const kustomize = () => execFileAsync(KUBECTL, ['kustomize', join(dir, app.path)], { maxBuffer: 32 * 1024 * 1024 });
    const checkout = async () => {
      await execFileAsync('git', ['clone', '--quiet', '--no-checkout', repo, dir]);
      await execFileAsync('git', ['-C', dir, 'checkout', '--quiet', revision]);
    };
    try {
      let stdout: string;
      if (existsSync(join(repo, 'HEAD'))) {
        // A local bare repo: extract only the app's folder (a full checkout of a 10,000-service repo
        // is 30,000 files per sync). A kustomization that reaches outside its folder fails to render
        // from that alone, so any render error falls back to a full checkout, as Argo CD's repo server has.
        try {
          await execFileAsync('bash', ['-o', 'pipefail', '-c', 'git --git-dir="$1" archive --format=tar "$2" -- "$3" | tar -x -C "$4"', 'bash', repo, revision, app.path, dir]);
          ({ stdout } = await kustomize());
        } catch {
          await rm(dir, { recursive: true, force: true });
          await checkout();
          ({ stdout } = await kustomize());
        }
      } else {
        await checkout();
        ({ stdout } = await kustomize());
      }
      const objects = parseAllDocuments(stdout).map((d) => d.toJSON()).filter(Boolean);
      const images = objects.flatMap((o: any) => [...(o?.spec?.template?.spec?.containers ?? []), ...(o?.spec?.template?.spec?.initContainers ?? [])].map((c: any) => c.image));
      return { revision, objects, images };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function runOperation(name: string, revision: string, mode: ArgoFailureMode, message: string | undefined) {
    const app = apps.get(name)!;
    const spec = specs.get(name)!;
    const state = app.status!.operationState!;
    let result: RenderedApp;
    try {
      result = await render(spec, revision);
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      state.phase = 'Error';
      state.message = `rpc error: code = Unknown desc = Manifest generation error (cached): ${(e.stderr || e.message).trim()}`;
      state.finishedAt = ts();
      delete app.operation;
      touch(app);
      return;
    }
    await sleep(delays.syncMs);
    if (apps.get(name) !== app || app.status?.operationState !== state || state.phase !== 'Running') return;
    const resources: ArgoResourceResult[] = result.objects.map((o) => {
      const [group, version] = String(o.apiVersion ?? '').includes('/') ? String(o.apiVersion).split('/') : ['', String(o.apiVersion ?? '')];
      return {
        group, version, kind: o.kind, namespace: o.metadata?.namespace ?? spec.project, name: o.metadata?.name,
        status: mode === 'sync-failed' ? 'SyncFailed' : 'Synced',
        message: mode === 'sync-failed' ? (message ?? 'failed') : `${String(o.kind).toLowerCase()}/${o.metadata?.name} configured`,
        hookPhase: mode === 'sync-failed' ? 'Failed' : 'Running', syncPhase: 'Sync',
      };
    });
    state.syncResult = { revision, resources, source: { ...app.spec!.source } };
    state.finishedAt = ts();
    delete app.operation;
    if (mode === 'sync-failed') {
      state.phase = 'Failed';
      state.message = message ?? 'one or more objects failed to apply, reason: Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Invalid value: "": must not be empty';
      touch(app);
      return;
    }
    rendered.set(name, result);
    state.phase = 'Succeeded';
    state.message = 'successfully synced (all tasks run)';
    const history = app.status!.history ?? [];
    history.push({ id: history.length, revision, deployedAt: ts(), initiatedBy: state.operation?.initiatedBy });
    app.status!.history = history;
    app.status!.sync = { status: 'Synced', revision, comparedTo: { source: { ...app.spec!.source }, destination: { ...app.spec!.destination } } };
    app.status!.health = { status: 'Progressing', message: 'Waiting for rollout to finish: 0 of 1 updated replicas are available...', lastTransitionTime: ts() };
    app.status!.reconciledAt = ts();
    touch(app);
    await sleep(delays.healthyMs);
    if (app.status?.operationState !== state) return;
    app.status!.health = mode === 'degraded'
      ? { status: 'Degraded', message: message ?? 'Deployment "web" exceeded its progress deadline', lastTransitionTime: ts() }
      : { status: 'Healthy', lastTransitionTime: ts() };
    touch(app);
  }

  function startForeignOperation(name: string) {
    const app = apps.get(name)!;
    const op = { sync: { revision: app.status?.sync?.revision ?? '' }, initiatedBy: { automated: true }, info: [{ name: 'Reason', value: 'Auto-sync' }] };
    app.operation = op;
    const state = { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/web', operation: op, startedAt: ts() };
    app.status!.operationState = state;
    touch(app);
    setTimeout(() => {
      if (app.status?.operationState !== state) return;
      state.phase = 'Succeeded';
      state.message = 'successfully synced (all tasks run)';
      delete app.operation;
      touch(app);
    }, delays.foreignOperationMs);
  }

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

  function appOr404(name: string): ArgoApplication {
    const app = apps.get(name);
    if (!app || failure === 'app-not-found') throw new HttpError(404, GRPC.NotFound, `applications.argoproj.io "${name}" not found`);
    return app;
  }

  /** What GET shows: in 'auto-sync-revision' mode the app hides its auto-sync (it was just switched on). */
  function view(app: ArgoApplication): ArgoApplication {
    const copy = structuredClone(app);
    if (failure === 'auto-sync-revision' && copy.spec) delete copy.spec.syncPolicy;
    return copy;
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
        if (query.refresh !== undefined && query.refresh !== 'normal' && query.refresh !== 'hard') {
          throw new HttpError(400, GRPC.InvalidArgument, `unknown refresh type '${query.refresh}'`);
        }
        const app = appOr404(params.name);
        if (query.refresh) {
          app.status!.reconciledAt = ts();
          touch(app);
        }
        return view(app);
      }
      case 'ApplicationService_Sync': {
        const user = authenticate(req);
        const app = appOr404(params.name);
        const spec = specs.get(params.name)!;
        const sync = body as ArgoSyncRequest;
        if (sync.name !== undefined && sync.name !== params.name) throw new HttpError(400, GRPC.InvalidArgument, 'name in path and body differ');
        if (failure === 'forbidden') {
          throw new HttpError(403, GRPC.PermissionDenied, `permission denied: applications, sync, ${spec.project}/${spec.name}, sub: ${user}, iat: ${ts()}`);
        }
        if (failure === 'sync-window') throw new HttpError(403, GRPC.PermissionDenied, failureMessage ?? 'Cannot sync: Blocked by sync window');
        const automated = spec.automated || failure === 'auto-sync-revision';
        if (automated && sync.revision && sync.revision !== (spec.targetRevision || 'HEAD')) {
          throw new HttpError(400, GRPC.FailedPrecondition, `Cannot sync to ${sync.revision}: auto-sync currently set to ${spec.targetRevision}`);
        }
        if (failure === 'operation-in-progress' && remaining > 0) {
          remaining--;
          startForeignOperation(params.name);
        }
        if (app.operation) throw new HttpError(400, GRPC.FailedPrecondition, 'another operation is already in progress');
        const revision = await resolveRevision(spec, sync.revision);
        const operation = {
          sync: { revision, ...(sync.prune ? { prune: true } : {}), ...(sync.syncOptions?.items?.length ? { syncOptions: sync.syncOptions.items } : {}) },
          initiatedBy: { username: user },
          ...(sync.infos?.length ? { info: sync.infos as ArgoInfo[] } : {}),
          retry: {},
        };
        app.operation = operation;
        app.status!.operationState = { operation, phase: 'Running', message: '', startedAt: ts() };
        touch(app);
        const mode = failure;
        const msg = failureMessage;
        void runOperation(params.name, revision, mode, msg).catch((err) => violations.push(`sync engine crashed: ${(err as Error).message}`));
        return view(app);
      }
      case 'ApplicationService_TerminateOperation': {
        authenticate(req);
        const app = appOr404(params.name);
        const state = app.status?.operationState;
        if (!app.operation || !state || state.phase !== 'Running') {
          throw new HttpError(400, GRPC.InvalidArgument, 'Unable to terminate operation. No operation is in progress');
        }
        state.phase = 'Failed';
        state.message = 'Operation terminated';
        state.finishedAt = ts();
        delete app.operation;
        touch(app);
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
      remaining = o.times ?? (mode === 'http-500' || mode === 'operation-in-progress' ? 2 : 0);
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
    renderedFor: (name) => rendered.get(name),
    stop: closeServer,
  };
}
