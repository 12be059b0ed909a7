/**
 * Deployment routes: deploy (what CI calls), history, one row, the rollback
 * diff, the rollback itself, and the live event stream of a service.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams } from '@kubidu/core/contract/common';
import {
  DeployBody,
  DeploymentDetail,
  DeploymentDiff,
  DeploymentListQuery,
  DeploymentPage,
  DeploymentView,
  DiffQuery,
  EnvPatchBody,
  EventStream,
  EventsQuery,
  MarkBadBody,
  ReleaseAnswer,
  RollbackBody,
  ServiceEnv,
  WriteHeaders,
} from '@kubidu/core/contract/deployments';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { DeploymentService } from './deployment-service.js';
import type { DeploymentEvents } from './deployment-events.js';

const security = [{ bearerAuth: [] }];

/** What the deployment routes need. */
export interface DeploymentRoutesOptions {
  deployments: DeploymentService;
  authenticate: AuthenticateHook;
}

/** Deploy, history, detail, diff, rollback. */
export const deploymentRoutes: FastifyPluginAsyncTypebox<DeploymentRoutesOptions> = async (app, { deployments, authenticate }) => {
  app.addHook('onRequest', authenticate);

  app.post(
    '/api/services/:id/deployments',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Queue a deploy of an already built image',
        security,
        params: IdParams,
        headers: WriteHeaders,
        body: DeployBody,
        response: { 202: DeploymentView, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const r = await deployments.deploy(currentUser(req), req.params.id, req.body, req.headers['idempotency-key'], req.headers['x-kubidu-client']);
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(r.deployment);
    },
  );

  app.patch(
    '/api/services/:id/env',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Change env: a new deployment of the current image with these variables set and unset, the rest kept',
        security,
        params: IdParams,
        headers: WriteHeaders,
        body: EnvPatchBody,
        response: { 202: DeploymentView, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const r = await deployments.changeEnv(currentUser(req), req.params.id, req.body, req.headers['idempotency-key'], req.headers['x-kubidu-client']);
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(r.deployment);
    },
  );

  app.get(
    '/api/services/:id/env',
    {
      schema: {
        tags: ['deployments'],
        summary: 'The env the next deploy inherits (the current deployment\'s); secret values are never shown',
        security,
        params: IdParams,
        response: { 200: ServiceEnv, ...ErrorResponses },
      },
    },
    async (req) => deployments.env(currentUser(req), req.params.id),
  );

  app.get(
    '/api/services/:id/deployments',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Deployment history, newest first',
        security,
        params: IdParams,
        querystring: DeploymentListQuery,
        response: { 200: DeploymentPage, ...ErrorResponses },
      },
    },
    async (req) =>
      deployments.list(currentUser(req), req.params.id, { limit: req.query.limit ?? 20, cursor: req.query.cursor, idPrefix: req.query.idPrefix }),
  );

  app.get(
    '/api/deployments/:id',
    { schema: { tags: ['deployments'], security, params: IdParams, response: { 200: DeploymentDetail, ...ErrorResponses } } },
    async (req) => deployments.get(currentUser(req), req.params.id),
  );

  app.get(
    '/api/deployments/:id/diff',
    {
      schema: {
        tags: ['deployments'],
        summary: 'What a rollback to this deployment would change against the current one',
        security,
        params: IdParams,
        querystring: DiffQuery,
        response: { 200: DeploymentDiff, ...ErrorResponses },
      },
    },
    async (req) => deployments.diff(currentUser(req), req.params.id, req.query.only),
  );

  app.post(
    '/api/deployments/:id/rollback',
    {
      // The body is optional: a bare POST means "no reason".
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags: ['deployments'],
        summary: 'Queue a rollback to this deployment',
        security,
        params: IdParams,
        headers: WriteHeaders,
        body: RollbackBody,
        response: { 202: DeploymentView, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const r = await deployments.rollback(
        currentUser(req),
        req.params.id,
        { reason: req.body.reason, only: req.body.only },
        req.headers['idempotency-key'],
        req.headers['x-kubidu-client'],
      );
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(r.deployment);
    },
  );

  app.post(
    '/api/services/:id/release',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Release the deploy hold a rollback put on this service',
        security,
        params: IdParams,
        response: { 200: ReleaseAnswer, ...ErrorResponses },
      },
    },
    async (req) => deployments.release(currentUser(req), req.params.id),
  );

  app.post(
    '/api/deployments/:id/bad',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Mark a deployment bad: no rollback target, its image not deployable, until unmarked',
        security,
        params: IdParams,
        body: MarkBadBody,
        response: { 200: DeploymentView, ...ErrorResponses },
      },
    },
    async (req) => deployments.markBad(currentUser(req), req.params.id, req.body.reason),
  );

  app.delete(
    '/api/deployments/:id/bad',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Remove the bad mark of a deployment',
        security,
        params: IdParams,
        response: { 200: DeploymentView, ...ErrorResponses },
      },
    },
    async (req) => deployments.unmarkBad(currentUser(req), req.params.id),
  );
};

/** What the event-stream route needs. */
export interface EventRoutesOptions {
  deployments: DeploymentService;
  events: DeploymentEvents;
  /** Accepts the header or `?access_token=`. */
  authenticate: AuthenticateHook;
  pingMs?: number;
}

/** `GET /api/services/:id/events`: Server-Sent Events of the service's deployment rows. */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, opts) => {
  // Open streams end when the app closes, so a graceful shutdown does not wait on them.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get(
    '/api/services/:id/events',
    {
      onRequest: opts.authenticate,
      schema: {
        tags: ['deployments'],
        summary: 'Live deployment changes (text/event-stream: `event: deployment`, `data: <Deployment>`; `event: hold`, `data: {"hold": <DeployHold> | null}` when the deploy hold is set, replaced or released)',
        security,
        params: IdParams,
        querystring: EventsQuery,
        response: { 200: EventStream, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const serviceId = req.params.id;
      await opts.deployments.assertServiceAccess(user, serviceId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      // Access is checked again before each write (in order), so a member removed while
      // the stream is open hears nothing more: the stream ends instead.
      let chain = Promise.resolve();
      const send = (text: string) => {
        chain = chain.then(async () => {
          if (!open.has(end)) return;
          const allowed = await opts.deployments.assertServiceAccess(user, serviceId).then(() => true, () => false);
          if (allowed && open.has(end)) res.write(text);
          else end();
        });
      };
      const unsubscribe = opts.events.subscribe(serviceId, {
        deployment: (d) => send(`event: deployment\nid: ${d.id}\ndata: ${JSON.stringify(d)}\n\n`),
        hold: (h) => send(`event: hold\ndata: ${JSON.stringify({ hold: h })}\n\n`),
      });
      const ping = setInterval(() => send(': ping\n\n'), opts.pingMs ?? 15_000);
      ping.unref();
      const cleanup = () => {
        if (!open.delete(end)) return;
        clearInterval(ping);
        unsubscribe();
      };
      const end = () => {
        cleanup();
        res.end();
      };
      open.add(end);
      req.raw.once('close', cleanup);
      res.once('close', cleanup);
    },
  );
};
