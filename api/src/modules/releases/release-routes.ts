/** Project rollback routes (issue 20, item 2): preview, roll back, and the releases they make. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams } from '@kubidu/core/contract/common';
import { WriteHeaders } from '@kubidu/core/contract/deployments';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { ReleaseList, ReleasePreview, ReleasePreviewQuery, ReleaseRollbackBody, ReleaseView } from '@kubidu/core/contract/releases';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { ReleaseService } from './release-service.js';

const security = [{ bearerAuth: [] }];
/** The client's name only: a project rollback takes no Idempotency-Key (a repeat skips every service already there or on its way: 409 NOTHING_TO_ROLL_BACK). */
const ClientHeader = Type.Omit(WriteHeaders, ['idempotency-key']);

/** What the release routes need. */
export interface ReleaseRoutesOptions {
  releases: ReleaseService;
  authenticate: AuthenticateHook;
}

/** POST /api/projects/:id/rollback, its preview, GET /api/releases/:id, GET /api/projects/:id/releases. */
export const releaseRoutes: FastifyPluginAsyncTypebox<ReleaseRoutesOptions> = async (app, { releases, authenticate }) => {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/projects/:id/rollback/preview',
    {
      schema: {
        tags: ['releases'],
        summary: 'What rolling the project back to a moment or a release would change, service by service',
        security,
        params: IdParams,
        querystring: ReleasePreviewQuery,
        response: { 200: ReleasePreview, ...ErrorResponses },
      },
    },
    async (req) => releases.preview(currentUser(req), req.params.id, req.query),
  );

  app.post(
    '/api/projects/:id/rollback',
    {
      schema: {
        tags: ['releases'],
        summary: 'Roll every service of the project back to a moment or a release: one rollback row per changed service, one commit',
        security,
        params: IdParams,
        headers: ClientHeader,
        body: ReleaseRollbackBody,
        response: { 202: ReleaseView, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.code(202).send(await releases.rollback(currentUser(req), req.params.id, req.body, req.headers['x-kubidu-client'])),
  );

  app.get(
    '/api/projects/:id/releases',
    { schema: { tags: ['releases'], summary: "The project's rollbacks as releases, newest first", security, params: IdParams, response: { 200: ReleaseList, ...ErrorResponses } } },
    async (req) => ({ items: await releases.list(currentUser(req), req.params.id) }),
  );

  app.get(
    '/api/releases/:id',
    { schema: { tags: ['releases'], summary: 'One project rollback, its rows and their statuses', security, params: IdParams, response: { 200: ReleaseView, ...ErrorResponses } } },
    async (req) => releases.get(currentUser(req), req.params.id),
  );
};
