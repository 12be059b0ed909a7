/** Project and service routes; the permission check is ProjectService's, through access/permissions.ts. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams } from '@kubidu/core/contract/common';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { CreateProjectBody, CreateServiceBody, PatchServiceBody, ProjectList, ProjectView, ServiceList, ServiceView } from '@kubidu/core/contract/projects';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { ProjectService } from './project-service.js';
import type { RateLimiters } from '../../plugins/rate-limits.js';

const security = [{ bearerAuth: [] }];

/** Projects and services. */
export const projectRoutes: FastifyPluginAsyncTypebox<{
  projects: ProjectService;
  authenticate: AuthenticateHook;
  limiters: Pick<RateLimiters, 'projects' | 'services'>;
}> = async (app, { projects, authenticate, limiters }) => {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/projects',
    { schema: { tags: ['projects'], security, response: { 200: ProjectList, ...ErrorResponses } } },
    async (req) => ({ items: await projects.listProjects(currentUser(req)) }),
  );

  app.post(
    '/api/projects',
    {
      preHandler: limiters.projects,
      schema: {
        tags: ['projects'],
        security,
        body: CreateProjectBody,
        response: { 201: ProjectView, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await projects.createProject(currentUser(req), req.body.name, req.body.slug)),
  );

  app.get(
    '/api/projects/:id',
    { schema: { tags: ['projects'], security, params: IdParams, response: { 200: ProjectView, ...ErrorResponses } } },
    async (req) => projects.getProject(currentUser(req), req.params.id),
  );

  app.post(
    '/api/projects/:id/services',
    {
      preHandler: limiters.services,
      schema: {
        tags: ['services'],
        security,
        params: IdParams,
        body: CreateServiceBody,
        response: { 201: ServiceView, ...ErrorResponses },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await projects.createService(currentUser(req), req.params.id, req.body.name, req.body.port)),
  );

  app.get(
    '/api/projects/:id/services',
    { schema: { tags: ['services'], security, params: IdParams, response: { 200: ServiceList, ...ErrorResponses } } },
    async (req) => ({ items: await projects.listServices(currentUser(req), req.params.id) }),
  );

  app.get(
    '/api/services/:id',
    { schema: { tags: ['services'], security, params: IdParams, response: { 200: ServiceView, ...ErrorResponses } } },
    async (req) => projects.getService(currentUser(req), req.params.id),
  );

  app.patch(
    '/api/services/:id',
    {
      schema: {
        tags: ['services'],
        summary: "Change a service's settings: autoRollback rolls back, through Git, a deploy Argo CD declares failed",
        security,
        params: IdParams,
        body: PatchServiceBody,
        response: { 200: ServiceView, ...ErrorResponses },
      },
    },
    async (req) => projects.updateService(currentUser(req), req.params.id, req.body),
  );
};
