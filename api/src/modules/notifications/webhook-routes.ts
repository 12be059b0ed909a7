/** Outgoing webhook routes of a project (`/api/projects/:id/webhooks`); ownership is enforced by WebhookService. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams } from '@kubidu/core/contract/common';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import {
  CreateWebhookBody,
  DeliveryList,
  DeliveryQuery,
  UpdateWebhookBody,
  WebhookList,
  WebhookParams,
  WebhookView,
} from '@kubidu/core/contract/webhooks';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { WebhookService } from './webhook-service.js';

const security = [{ bearerAuth: [] }];
const tags = ['webhooks'];

/** The project's outgoing webhooks and their delivery log. */
export const projectWebhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService; authenticate: AuthenticateHook }> = async (
  app,
  { webhooks, authenticate },
) => {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/projects/:id/webhooks',
    { schema: { tags, security, params: IdParams, response: { 200: WebhookList, ...ErrorResponses } } },
    async (req) => ({ items: await webhooks.list(currentUser(req), req.params.id) }),
  );

  app.post(
    '/api/projects/:id/webhooks',
    { schema: { tags, security, params: IdParams, body: CreateWebhookBody, response: { 201: WebhookView, ...ErrorResponses } } },
    async (req, reply) => reply.code(201).send(await webhooks.create(currentUser(req), req.params.id, req.body)),
  );

  app.patch(
    '/api/projects/:id/webhooks/:hookId',
    { schema: { tags, security, params: WebhookParams, body: UpdateWebhookBody, response: { 200: WebhookView, ...ErrorResponses } } },
    async (req) => webhooks.update(currentUser(req), req.params.id, req.params.hookId, req.body),
  );

  app.delete(
    '/api/projects/:id/webhooks/:hookId',
    { schema: { tags, security, params: WebhookParams, response: { 204: Type.Null(), ...ErrorResponses } } },
    async (req, reply) => {
      await webhooks.remove(currentUser(req), req.params.id, req.params.hookId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/projects/:id/webhooks/:hookId/deliveries',
    {
      schema: { tags, security, params: WebhookParams, querystring: DeliveryQuery, response: { 200: DeliveryList, ...ErrorResponses } },
    },
    async (req) => webhooks.deliveries(currentUser(req), req.params.id, req.params.hookId, req.query.limit ?? 50),
  );
};
