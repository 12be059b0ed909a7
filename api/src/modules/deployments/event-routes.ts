/**
 * `GET /api/services/:id/events`: Server-Sent Events of a service's deployment
 * rows and deploy hold. A stream is a long-lived request, so two rules that a
 * plain request gets for free are kept here: a user holds at most
 * `maxStreamsPerUser` streams at once (429 beyond), and a stream ends when the
 * credential that opened it would no longer be accepted — at its expiry, and at
 * the next check after a revoke or sign-out.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams } from '@kubidu/core/contract/common';
import { EventStream, EventsQuery } from '@kubidu/core/contract/deployments';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { KubiduError } from '@kubidu/core/errors';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { DeploymentService } from './deployment-service.js';
import type { DeploymentEvents } from './deployment-events.js';

const security = [{ bearerAuth: [] }];

/** What the event-stream route needs. */
export interface EventRoutesOptions {
  deployments: DeploymentService;
  events: DeploymentEvents;
  /** Accepts the header or `?access_token=`. */
  authenticate: AuthenticateHook;
  /** Comment line keeping proxies from closing an idle stream (default 15 s). */
  pingMs?: number;
  /** How often the stream's credential is checked again (default 15 s). */
  authCheckMs?: number;
  /** Streams one user may hold open (default 10). */
  maxStreamsPerUser?: number;
}

/** setTimeout's largest delay; a later expiry is left to the periodic check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** 429 for one stream too many. */
class TooManyStreamsError extends KubiduError {
  constructor(limit: number) {
    super('RATE_LIMITED', 429, `At most ${limit} event streams may be open per user; close one (another tab or client) first`, {
      limit,
      retryAfterSeconds: 5,
    });
  }
}

/** Registers the event-stream route. */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, opts) => {
  const maxPerUser = opts.maxStreamsPerUser ?? 10;
  const authCheckMs = opts.authCheckMs ?? 15_000;
  // Open streams end when the app closes, so a graceful shutdown does not wait on them.
  const open = new Set<(reason: string) => void>();
  const perUser = new Map<string, number>();
  app.addHook('preClose', async () => {
    for (const end of open) end('the server is shutting down');
  });
  app.get(
    '/api/services/:id/events',
    {
      onRequest: opts.authenticate,
      schema: {
        tags: ['deployments'],
        summary:
          'Live deployment changes (text/event-stream: `event: deployment`, `data: <Deployment>`; `event: hold`, `data: {"hold": <DeployHold> | null}` when the deploy hold is set, replaced or released; `event: end`, `data: {"reason": …}` before the server ends the stream, e.g. when its token expired or was revoked). At most 10 open streams per user (429 beyond).',
        security,
        params: IdParams,
        querystring: EventsQuery,
        response: { 200: EventStream, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      await opts.deployments.assertServiceAccess(user, req.params.id);
      const held = perUser.get(user.id) ?? 0;
      if (held >= maxPerUser) {
        void reply.header('retry-after', '5');
        throw new TooManyStreamsError(maxPerUser);
      }
      perUser.set(user.id, held + 1);
      reply.hijack();
      const res = reply.raw;
      // Until the headers go out, events wait here (there is a tick between the baseline and writeHead).
      const pending: string[] = [];
      const write = (chunk: string) => (res.headersSent ? res.write(chunk) : pending.push(chunk));
      // Access is checked again before each write (in order), so a member removed while
      // the stream is open hears nothing more: the stream ends instead.
      let chain = Promise.resolve();
      const send = (chunk: string) => {
        chain = chain.then(async () => {
          if (!open.has(end)) return;
          const allowed = await opts.deployments.assertServiceAccess(user, req.params.id).then(
            () => true,
            () => false,
          );
          if (allowed && open.has(end)) write(chunk);
          else end('You no longer have access to this service');
        });
      };
      const unsubscribe = opts.events.subscribe(req.params.id, {
        deployment: (d) => send(`event: deployment\nid: ${d.id}\ndata: ${JSON.stringify(d)}\n\n`),
        hold: (h) => send(`event: hold\ndata: ${JSON.stringify({ hold: h })}\n\n`),
      });
      const timers: NodeJS.Timeout[] = [];
      const every = (ms: number, fn: () => void) => {
        const timer = setInterval(fn, ms);
        timer.unref();
        timers.push(timer);
      };
      let checking = false;
      const cleanup = () => {
        if (!open.delete(end)) return;
        for (const timer of timers) clearInterval(timer);
        unsubscribe();
        const n = (perUser.get(user.id) ?? 1) - 1;
        if (n > 0) perUser.set(user.id, n);
        else perUser.delete(user.id);
      };
      const end = (reason: string) => {
        if (!open.has(end)) return;
        cleanup();
        if (!res.headersSent) {
          res.destroy();
          return;
        }
        res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
      };
      open.add(end);
      req.raw.once('close', cleanup);
      res.once('close', cleanup);
      // The client loads its first page when the stream opens: the baseline is read first, so a
      // change made after that page is always reported and none falls between the two.
      await opts.events.ready(req.params.id);
      if (!open.has(end)) return;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      for (const chunk of pending.splice(0)) res.write(chunk);
      every(opts.pingMs ?? 15_000, () => send(': ping\n\n'));
      const recheck = req.recheckCredential;
      every(authCheckMs, () => {
        if (checking || !recheck) return;
        checking = true;
        recheck()
          .catch((err: unknown) => end(err instanceof Error ? err.message : 'credential no longer valid'))
          .finally(() => {
            checking = false;
          });
      });
      const expiresAt = req.credentialExpiresAt;
      if (expiresAt) {
        const ms = expiresAt.getTime() - Date.now();
        if (ms <= MAX_TIMER_MS) {
          const timer = setTimeout(() => end('Token expired'), Math.max(0, ms));
          timer.unref();
          timers.push(timer);
        }
      }
    },
  );
};
