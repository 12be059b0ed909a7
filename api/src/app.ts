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
import { frameworkErrorHandler, installErrorHandling } from './plugins/error-handler.js';
import { makeAuthenticate, redactUrl } from './plugins/authenticate.js';
import { docsCsp, markOptionalBodies } from './plugins/openapi.js';
import { createValidatorCompiler } from './validation/ajv.js';
import { auditWriter as defaultAuditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { AuditRepository } from './modules/audit/audit-repository.js';
import { AuthService } from './modules/auth/auth-service.js';
import { ProjectService } from './modules/projects/project-service.js';
import { DeploymentService } from './modules/deployments/deployment-service.js';
import { DeploymentEvents } from './modules/deployments/deployment-events.js';
import { healthRoutes } from './modules/health/health-routes.js';
import { databaseReachable } from './modules/health/health-check.js';
import { authRoutes } from './modules/auth/auth-routes.js';
import { projectRoutes } from './modules/projects/project-routes.js';
import { deploymentRoutes, eventRoutes } from './modules/deployments/deployment-routes.js';
import { auditRoutes } from './modules/audit/audit-routes.js';
import { webhookRoutes } from './modules/webhooks/webhook-routes.js';
import { configRoutes } from './modules/config/config-routes.js';
import { createGitPushNotifier } from './modules/webhooks/git-push-notifier.js';
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
  /** Login attempts allowed per IP+email per window (default 10 per minute). */
  loginRateLimit?: { max: number; timeWindowMs: number };
  /** Event-stream poll interval (default 500 ms) and ping interval (default 15 s). */
  eventsPollMs?: number;
  eventsPingMs?: number;
}

/** What buildApp decorates the instance with, for tests and main.ts. */
export interface KubiduServices {
  auth: AuthService;
  projects: ProjectService;
  deployments: DeploymentService;
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

  const webDist = deps.webDistDir && existsSync(join(deps.webDistDir, 'index.html')) ? resolve(deps.webDistDir) : undefined;
  installErrorHandling(app, {
    spaFallback: webDist
      ? (req: FastifyRequest, reply: FastifyReply) => {
          const path = req.url.split('?')[0];
          if (req.method !== 'GET' || /^\/(api|docs)(\/|$)/.test(path) || path === '/healthz' || path === '/readyz') return false;
          void reply.type('text/html; charset=utf-8').sendFile('index.html');
          return true;
        }
      : undefined,
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
  if (webDist) app.register(fastifyStatic, { root: webDist, wildcard: false, index: 'index.html' });

  // 2. Repositories and services.
  const audit = deps.auditWriter ?? defaultAuditWriter;
  const auth = new AuthService({ ds, audit, jwtSecret: deps.jwtSecret, jwtTtlSeconds: config.jwtTtlSeconds });
  const projects = new ProjectService({ ds, audit, namespacePrefix: config.namespacePrefix, argoAppTemplate: config.argoAppTemplate });
  const deployments = new DeploymentService({ ds, secretBox: deps.secretBox, audit, wakeController: deps.wakeController });
  const auditRepo = new AuditRepository(ds);
  const events = new DeploymentEvents((id) => deployments.recent(id), deps.eventsPollMs ?? 500, (err) =>
    app.log.warn({ err }, 'event stream poll failed'),
  );
  app.decorate('kubidu', { auth, projects, deployments, audit: auditRepo, events });
  app.addHook('onClose', async () => events.close());

  // 3. Routes.
  const authenticate = makeAuthenticate(auth);
  const limit = deps.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 };
  app.after(() => {
    const loginRateLimit = app.rateLimit({
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      keyGenerator: (req) => {
        const email = (req.body as { email?: unknown } | undefined)?.email;
        return `${req.ip}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
      },
    });
    app.register(healthRoutes, { ready: () => databaseReachable(ds) });
    app.register(authRoutes, { auth, authenticate, loginRateLimit });
    app.register(projectRoutes, { projects, authenticate });
    app.register(deploymentRoutes, { deployments, authenticate });
    app.register(eventRoutes, {
      deployments,
      events,
      authenticate: makeAuthenticate(auth, { allowQueryToken: true }),
      pingMs: deps.eventsPingMs,
    });
    app.register(auditRoutes, { audit: auditRepo, authenticate });
    app.register(configRoutes, { links: config.webLinks, authenticate });
    app.register(webhookRoutes, {
      secret: config.webhookSecret,
      branch: config.manifestsBranch,
      triggerImport: createGitPushNotifier(ds, deps.triggerGitImport),
    });
  });

  return app as unknown as FastifyInstance;
}
