/** The audit log listing (read-only: no route updates or deletes audit rows). */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditView, ErrorResponses, Pagination, Uuid } from '../../schemas.js';
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
        querystring: Type.Object(
          { projectId: Type.Optional(Uuid), serviceId: Type.Optional(Uuid), ...Pagination },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AuditView), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...ErrorResponses },
      },
    },
    async (req) =>
      audit.list({
        viewerId: currentUser(req).id,
        projectId: req.query.projectId,
        serviceId: req.query.serviceId,
        limit: req.query.limit ?? 20,
        cursor: req.query.cursor,
      }),
  );
};
