/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the
 * database answers within a second), for load balancers and Kubernetes probes.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DatabaseUnavailableError } from '@kubidu/core/errors';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { Liveness, Readiness } from '@kubidu/core/contract/ops';

/** `/healthz` and `/readyz`; `ready` is the database check. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ ready: () => Promise<boolean> }> = async (app, opts) => {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], response: { 200: Liveness, ...ErrorResponses } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: Readiness, ...ErrorResponses } } },
    async () => {
      if (!(await opts.ready())) throw new DatabaseUnavailableError();
      return { status: 'ready' as const };
    },
  );
};
