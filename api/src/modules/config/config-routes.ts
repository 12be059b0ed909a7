/**
 * `GET /api/config`: the display settings the web app reads on its pages (commit
 * and Argo CD link templates). Signed-in users only: the URLs name internal hosts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WebConfig } from '@kubidu/core/contract/config';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import type { AuthenticateHook } from '../../plugins/authenticate.js';

/** What the config route needs: the links read at start-up and the auth hook. */
export interface ConfigRoutesOptions {
  links: WebConfig;
  authenticate: AuthenticateHook;
}

/** The display settings route. */
export const configRoutes: FastifyPluginAsyncTypebox<ConfigRoutesOptions> = async (app, { links, authenticate }) => {
  app.get(
    '/api/config',
    {
      onRequest: authenticate,
      schema: {
        tags: ['config'],
        summary: 'Link templates the web app fills in (commit pages, Argo CD applications); null = show plain text',
        security: [{ bearerAuth: [] }],
        response: { 200: WebConfig, ...ErrorResponses },
      },
    },
    async () => links,
  );
};
