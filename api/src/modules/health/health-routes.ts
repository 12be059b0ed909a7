/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the
 * database answers within a second), for load balancers and Kubernetes probes.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { Liveness, Readiness } from '@kubidu/core/contract/ops';
import { DatabaseUnavailableError } from '../../errors.js';

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
