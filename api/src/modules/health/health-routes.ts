/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the
 * database answers within a second), for load balancers and Kubernetes probes.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from '../../errors.js';
import { ErrorResponses } from '../../schemas.js';

/** True when `SELECT 1` succeeds within `timeoutMs`. */
export async function databaseReachable(ds: DataSource, timeoutMs = 1000): Promise<boolean> {
  if (!ds.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ds.query('SELECT 1').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

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
