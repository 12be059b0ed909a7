/**
 * Deployment routes: deploy (what CI calls), history, one row, the rollback
 * diff, the rollback itself (the live event stream is event-routes.ts).
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
  MarkBadBody,
  ReleaseAnswer,
  RollbackBody,
  ServiceEnv,
  WriteHeaders,
} from '@kubidu/core/contract/deployments';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { DeploymentRelations } from '@kubidu/core/contract/deployment-relations';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { DeploymentService } from './deployment-service.js';
import type { RateLimiters } from '../../plugins/rate-limits.js';

const security = [{ bearerAuth: [] }];

/** What the deployment routes need. */
export interface DeploymentRoutesOptions {
  deployments: DeploymentService;
  authenticate: AuthenticateHook;
  /** Deploys and env changes per user (rollbacks are never limited). */
  limiters: Pick<RateLimiters, 'deploys'>;
}

/** Deploy, history, detail, diff, rollback. */
export const deploymentRoutes: FastifyPluginAsyncTypebox<DeploymentRoutesOptions> = async (app, { deployments, authenticate, limiters }) => {
  app.addHook('onRequest', authenticate);

  app.post(
    '/api/services/:id/deployments',
    {
      preHandler: limiters.deploys,
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
      preHandler: limiters.deploys,
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
    '/api/deployments/:id/relations',
    {
      schema: {
        tags: ['deployments'],
        summary: 'The row before this deployment and what changed since (no secret values), the rollbacks to it, the rollback away from it',
        security,
        params: IdParams,
        response: { 200: DeploymentRelations, ...ErrorResponses },
      },
    },
    async (req) => deployments.relations(currentUser(req), req.params.id),
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
