/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the
 * database answers within a second), for load balancers and Kubernetes probes.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DatabaseUnavailableError } from '@kubidu/core/errors';
import { ErrorResponses } from '../../schemas.js';

/** `/healthz` and `/readyz`; `ready` is the database check. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ ready: () => Promise<boolean> }> = async (app, opts) => {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }), ...ErrorResponses } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ready') }), ...ErrorResponses } } },
    async () => {
      if (!(await opts.ready())) throw new DatabaseUnavailableError();
      return { status: 'ready' as const };
    },
  );
};
