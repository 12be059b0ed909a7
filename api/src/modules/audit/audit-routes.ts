/** The audit log listing (read-only: no route updates or deletes audit rows). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditPage, AuditQuery } from '@kubidu/core/contract/audit';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { AuditRepository } from './audit-repository.js';

/** `GET /api/audit`. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditRepository; authenticate: AuthenticateHook }> = async (
  app,
  { audit, authenticate },
) => {
  app.get(
    '/api/audit',
    {
      onRequest: authenticate,
      schema: {
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        querystring: AuditQuery,
        response: { 200: AuditPage, ...ErrorResponses },
      },
    },
    async (req) =>
      audit.list({
        viewer: currentUser(req),
        projectId: req.query.projectId,
        serviceId: req.query.serviceId,
        deploymentId: req.query.deploymentId,
        action: req.query.action,
        limit: req.query.limit ?? 20,
        cursor: req.query.cursor,
      }),
  );
};
