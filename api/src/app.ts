/**
 * Builds the Kubidu HTTP API as a fastify instance. It never listens (server.ts
 * does), so tests drive it with `app.inject` against a real Postgres.
 *
 * Load order (after fastify/demo): external plugins (security headers, CORS,
 * rate limit, OpenAPI, static web app) → repositories/services → routes.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import type { ApiConfig } from './config.js';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import { NoQuery } from '@kubidu/core/contract/common';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './plugins/error-handler.js';
import { makeAuthenticate, redactUrl } from './plugins/authenticate.js';
import { docsCsp, markOptionalBodies } from './plugins/openapi.js';
import { DEFAULT_RATE_LIMITS, makeRateLimiters, type Budget, type RateLimits } from './plugins/rate-limits.js';
import { createValidatorCompiler } from './validation/ajv.js';
import { auditWriter as defaultAuditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { AuditRepository } from './modules/audit/audit-repository.js';
import { AuthService } from './modules/auth/auth-service.js';
import { ProjectService } from './modules/projects/project-service.js';
import { MemberService } from './modules/members/member-service.js';
import { memberRoutes } from './modules/members/member-routes.js';
import { DeploymentService } from './modules/deployments/deployment-service.js';
import { ReleaseService } from './modules/releases/release-service.js';
import { DeploymentEvents } from './modules/deployments/deployment-events.js';
import { healthRoutes } from './modules/health/health-routes.js';
import { databaseReachable } from './modules/health/health-check.js';
import { authRoutes } from './modules/auth/auth-routes.js';
import { projectRoutes } from './modules/projects/project-routes.js';
import { deploymentRoutes } from './modules/deployments/deployment-routes.js';
import { eventRoutes } from './modules/deployments/event-routes.js';
import { releaseRoutes } from './modules/releases/release-routes.js';
import { auditRoutes } from './modules/audit/audit-routes.js';
import { webhookRoutes } from './modules/webhooks/webhook-routes.js';
import { configRoutes } from './modules/config/config-routes.js';
import { createGitPushNotifier } from './modules/webhooks/git-push-notifier.js';
import { WebhookService } from './modules/notifications/webhook-service.js';
import { projectWebhookRoutes } from './modules/notifications/webhook-routes.js';
import { installRequestLog, RequestLogController, requestIdFor } from './plugins/request-log.js';

/**
 * Everything the API needs from outside. Stable: main.ts, the CLI's and web's
 * integration tests, and the controller's end-to-end tests all call buildApp.
 */
export interface BuildAppDeps {
  /** An initialized, migrated DataSource (openDatabase). */
  ds: DataSource;
  /** Encrypts env values at rest. */
  secretBox: SecretBox;
  /** HS256 key for login tokens (≥ 16 bytes). */
  jwtSecret: Uint8Array | string;
  config: ApiConfig;
  /** Called after a deploy/rollback commits (in-process controller shortcut; the DB trigger NOTIFYs too). */
  wakeController?: () => void;
  /** Called when a valid push webhook arrives (in-process git importer; a NOTIFY reaches controllers elsewhere). */
  triggerGitImport?: () => void;
  /** Built web app to serve at `/` with an SPA fallback; ignored when missing. */
  webDistDir?: string;
  /** fastify logger option (false in tests). */
  logger?: boolean | Record<string, unknown>;
  /** Test seam: the audit writer used inside write transactions. */
  auditWriter?: AuditWriter;
  /** Login attempts allowed per IP+email per window (default 10 per minute); the same as `rateLimits.login`. */
  loginRateLimit?: Budget;
  /** Request budgets (plugins/rate-limits.ts); unset ones keep DEFAULT_RATE_LIMITS. */
  rateLimits?: Partial<RateLimits>;
  /** Event-stream poll interval (default 500 ms) and ping interval (default 15 s). */
  eventsPollMs?: number;
  eventsPingMs?: number;
  /** How often an open event stream checks its credential again (default 15 s; expiry ends it on the dot). */
  eventsAuthCheckMs?: number;
  /** Open event streams one user may hold (default 10). */
  eventsMaxStreamsPerUser?: number;
}

/** What buildApp decorates the instance with, for tests and main.ts. */
export interface KubiduServices {
  auth: AuthService;
  projects: ProjectService;
  deployments: DeploymentService;
  members: MemberService;
  releases: ReleaseService;
  audit: AuditRepository;
  events: DeploymentEvents;
}

declare module 'fastify' {
  interface FastifyInstance {
    kubidu: KubiduServices;
  }
}

/** Request-log serializer that keeps `?access_token=` out of logs. */
const reqSerializer = (req: FastifyRequest) => ({
  method: req.method,
  url: redactUrl(req.url),
  host: req.host,
  remoteAddress: req.ip,
});

function loggerOption(logger: BuildAppDeps['logger'], level: string) {
  if (!logger) return false;
  const base = logger === true ? { level } : logger;
  return { ...base, serializers: { req: reqSerializer, ...((base as { serializers?: object }).serializers ?? {}) } };
}

/** The API as a fastify instance with the TypeBox type provider. Call `ready()` or `inject()`; never listens. */
export function buildApp(deps: BuildAppDeps): FastifyInstance {
  const { ds, config } = deps;
  const requestLog = new RequestLogController();
  const app = Fastify({
    logger: loggerOption(deps.logger, config.logLevel),
    bodyLimit: 4 * 1024 * 1024,
    // Bounded so a client cannot make us parse unbounded URLs/params.
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Off unless KUBIDU_TRUST_PROXY says which proxy sets X-Forwarded-For (else every client behind it shares one IP, or any client could pick its own).
    trustProxy: config.trustProxy,
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // One access line per request (plugins/request-log.ts) instead of fastify's two.
    logController: requestLog,
    genReqId: requestIdFor,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installRequestLog(app as unknown as FastifyInstance, requestLog);

  app.setValidatorCompiler(createValidatorCompiler() as never);
  // An empty JSON body counts as no body (clients often send the header on a bare POST).
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  // JSON only: text/plain would otherwise reach validation as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    (body as string).length === 0 ? done(null, undefined) : jsonParser(req, body as string, done),
  );
  app.decorateRequest('user', null);
  app.decorateRequest('credentialExpiresAt', null);
  app.decorateRequest('recheckCredential', null);

  const webDist = deps.webDistDir && existsSync(join(deps.webDistDir, 'index.html')) ? resolve(deps.webDistDir) : undefined;
  installErrorHandling(app, {
    spaFallback: webDist
      ? (req: FastifyRequest, reply: FastifyReply) => {
          const path = req.url.split('?')[0];
          if (req.method !== 'GET' || /^\/(api|docs|assets)(\/|$)/.test(path) || /\.map$/i.test(path) || path === '/healthz' || path === '/readyz') return false;
          void reply.type('text/html; charset=utf-8').sendFile('index.html');
          return true;
        }
      : undefined,
  });

  // The contract refuses unknown query parameters: an /api route that declares no query string takes none.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && !route.schema?.querystring) route.schema = { ...route.schema, querystring: NoQuery };
  });

  // 1. External plugins.
  app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // Kubidu is often reached over plain http on a LAN address; upgrading would break it.
        upgradeInsecureRequests: null,
      },
    },
  });
  app.register(cors, { origin: config.corsOrigins.length > 0 ? config.corsOrigins : false, credentials: false });
  app.register(rateLimit, { global: false });
  app.register(swagger, {
    openapi: {
      info: { title: 'Kubidu API', version: '1', description: 'See docs/api-contract.md' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transformObject: (doc) => markOptionalBodies('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject),
  });
  app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: docsCsp,
  });
  // Source maps are never served (the build emits none; a stray one stays private): 404, not the SPA page.
  if (webDist) app.register(fastifyStatic, { root: webDist, wildcard: false, index: 'index.html', allowedPath: (path) => !/\.map$/i.test(path) });

  // 2. Repositories and services.
  const audit = deps.auditWriter ?? defaultAuditWriter;
  const auth = new AuthService({ ds, audit, jwtSecret: deps.jwtSecret, jwtTtlSeconds: config.jwtTtlSeconds });
  const projects = new ProjectService({ ds, audit, namespacePrefix: config.namespacePrefix, argoAppTemplate: config.argoAppTemplate });
  const deployments = new DeploymentService({ ds, secretBox: deps.secretBox, audit, wakeController: deps.wakeController });
  const members = new MemberService({ ds, audit });
  const releases = new ReleaseService({ ds, secretBox: deps.secretBox, audit, wakeController: deps.wakeController });
  const auditRepo = new AuditRepository(ds);
  const outgoingWebhooks = new WebhookService({ ds, audit, secretBox: deps.secretBox, allowPrivate: config.webhookAllowPrivate });
  const events = new DeploymentEvents((id) => deployments.recent(id), deps.eventsPollMs ?? 500, (err) =>
    app.log.warn({ err }, 'event stream poll failed'),
  );
  app.decorate('kubidu', { auth, projects, deployments, members, releases, audit: auditRepo, events });
  app.addHook('onClose', async () => events.close());

  // 3. Routes.
  const authenticate = makeAuthenticate(auth);
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS, ...deps.rateLimits, ...(deps.loginRateLimit ? { login: deps.loginRateLimit } : {}) };
  app.after(() => {
    const limiters = makeRateLimiters(app as unknown as FastifyInstance, limits);
    app.register(healthRoutes, { ready: () => databaseReachable(ds) });
    app.register(authRoutes, { auth, authenticate, limiters });
    app.register(projectRoutes, { projects, authenticate, limiters });
    app.register(deploymentRoutes, { deployments, authenticate, limiters });
    app.register(memberRoutes, { members, authenticate });
    app.register(releaseRoutes, { releases, authenticate });
    app.register(eventRoutes, {
      deployments,
      events,
      authenticate: makeAuthenticate(auth, { allowQueryToken: true }),
      pingMs: deps.eventsPingMs,
      authCheckMs: deps.eventsAuthCheckMs,
      maxStreamsPerUser: deps.eventsMaxStreamsPerUser,
    });
    app.register(auditRoutes, { audit: auditRepo, authenticate });
    app.register(projectWebhookRoutes, { webhooks: outgoingWebhooks, authenticate });
    app.register(configRoutes, { links: config.webLinks, authenticate });
    app.register(webhookRoutes, {
      secret: config.webhookSecret,
      branch: config.manifestsBranch,
      triggerImport: createGitPushNotifier(ds, deps.triggerGitImport),
    });
  });

  return app as unknown as FastifyInstance;
}
