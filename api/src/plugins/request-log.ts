/**
 * One JSON log line per request, and a request id that ties together every line
 * of it. fastify's own request logging writes two lines (incoming, completed);
 * it is turned off in app.ts and this hook writes the one line when the response
 * is sent. The id comes from the caller's `x-request-id` when it is a sane
 * token (a proxy or a client that already has one), else a fresh UUID; it is
 * returned in the `x-request-id` response header and bound to `request.log`, so
 * any line a route writes carries it too (as `reqId`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactUrl } from './authenticate.js';

/** The header a request id is read from and returned in. */
export const REQUEST_ID_HEADER = 'x-request-id';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** fastify's `genReqId`: the caller's id when it is a short plain token, else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/**
 * Returns the request id in the `x-request-id` response header, and makes sure a
 * request fastify never reports as completed still gets its one line: a stream
 * the route took over (`reply.hijack()`, the event stream) or a client that went
 * away, logged when the connection closes.
 */
export function installRequestLog(app: FastifyInstance, log: RequestLogController): void {
  app.addHook('onRequest', async (req, reply) => {
    // On the raw response, so a route that takes the response over (hijack) sends it too.
    reply.raw.setHeader(REQUEST_ID_HEADER, req.id);
    reply.raw.once('close', () => log.closedUnreported(req, reply));
  });
}

/**
 * fastify's per-request log lines, replaced: nothing when a request comes in, one
 * line when it completed (error level for 5xx or a failed send). Every other
 * line fastify writes (not found, handler errors) keeps its default.
 */
export class RequestLogController extends LogController {
  /** Requests already given their line (fastify's completion, or the close fallback). */
  readonly logged = new WeakSet<FastifyRequest>();

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, req: FastifyRequest, reply: FastifyReply): void {
    this.write(error, req, reply, {});
  }

  /** The connection of a request fastify did not report closed (a hijacked stream, a client gone): its line now. */
  closedUnreported(req: FastifyRequest, reply: FastifyReply): void {
    this.write(null, req, reply, { stream: true });
  }

  private write(error: Error | null, req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>): void {
    if (this.logged.has(req)) return;
    this.logged.add(req);
    const status = reply.statusCode;
    const line = {
      method: req.method,
      url: redactUrl(req.url),
      route: req.routeOptions.url,
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: req.ip,
      user: (req as { user?: { id?: string } | null }).user?.id,
      ...extra,
      ...(error ? { err: error.message } : {}),
    };
    if (error || status >= 500) req.log.error(line, 'request');
    else req.log.info(line, 'request');
  }
}
