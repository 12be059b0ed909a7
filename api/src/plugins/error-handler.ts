/**
 * The one error handler and the not-found handler. Every error leaves as the
 * contract's body `{statusCode, code, error, message, data?}`: validation errors
 * name the parameter or field, client mistakes fastify detects (bad JSON, wrong
 * content type, oversized body) stay 4xx, an unreachable database is a 503, and
 * anything unexpected is a 500 that reveals nothing.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KubiduError, isDatabaseUnavailable, pgCode } from '@kubidu/core/errors';
import type { ErrorCode } from '@kubidu/core/contract/errors';
import { clipWords } from '@kubidu/core/contract/clip';
import { FORMAT_MESSAGES } from '../validation/formats.js';

interface AjvLikeError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  propertyName?: string;
}

/** fastify's own 4xx messages (the only text here not written by Kubidu) are kept to this, whole words. */
const MAX_FOREIGN_MESSAGE = 300;
const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

function jsonPointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => clip(p.replace(/~1/g, '/').replace(/~0/g, '~')))
    .join('/');
}

/** `body/image must be ...` from the first schema error. */
export function describeValidationError(context: string, errors: AjvLikeError[]): string {
  const e = errors.find((x) => x.keyword !== 'propertyNames' && x.keyword !== 'if') ?? errors[0];
  if (!e) return `${context} is invalid`;
  const base = [context, jsonPointerToPath(e.instancePath)].filter(Boolean).join('/');
  if (e.propertyName !== undefined) {
    const what = e.keyword === 'format' ? (FORMAT_MESSAGES[String(e.params.format)] ?? 'is invalid') : e.message ?? 'is invalid';
    return `${base} has a key "${clip(e.propertyName)}" that ${what.replace(/^must/, 'is not valid: must')}`;
  }
  switch (e.keyword) {
    case 'required':
      return `${base ? `${base}/` : ''}${clip(String(e.params.missingProperty))} is required`;
    case 'additionalProperties':
      return `${base ? `${base}/` : ''}${clip(String(e.params.additionalProperty))} is not allowed`;
    case 'format':
      return `${base} ${FORMAT_MESSAGES[String(e.params.format)] ?? `must match format "${e.params.format}"`}`;
    case 'type':
      return `${base} must be ${e.params.type === 'integer' ? 'an integer' : `of type ${e.params.type}`}`;
    case 'anyOf':
      return `${base} must be one of the allowed values`;
    default:
      return `${base} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * Sends the contract's error body. The message is never cut here: Kubidu's messages are
 * written whole, and quoted user text is shortened where it is quoted (core/src/contract/clip.ts).
 */
export function sendError(reply: FastifyReply, statusCode: number, code: ErrorCode, message: string, data?: Record<string, unknown>) {
  const body: Record<string, unknown> = {
    statusCode,
    code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
  };
  if (data) body.data = data;
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** Codes for the 4xx errors fastify and its plugins raise before a handler runs. */
const CLIENT_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/** Installs the error and not-found handlers on `app` (call before routes register). */
export function installErrorHandling(app: FastifyInstance, opts: { spaFallback?: (req: FastifyRequest, reply: FastifyReply) => boolean }) {
  app.setErrorHandler((err: FastifyError & { validationContext?: string }, req, reply) => {
    if (err.validation) {
      return sendError(reply, 400, 'VALIDATION_ERROR', describeValidationError(err.validationContext ?? 'request', err.validation as AjvLikeError[]));
    }
    if (err instanceof KubiduError) {
      if (err.statusCode >= 500) req.log.warn({ code: err.code }, err.message);
      return sendError(reply, err.statusCode, err.code, err.message, err.data);
    }
    if (isDatabaseUnavailable(err)) {
      req.log.error({ err: { type: err.name, message: err.message } }, 'database unavailable');
      return sendError(reply, 503, 'DATABASE_UNAVAILABLE', 'The database is unavailable, try again shortly');
    }
    const sqlState = pgCode(err);
    if (sqlState && /^(22|54)/.test(sqlState)) {
      // Data exceptions (e.g. a value Postgres cannot store) are the client's input, not our fault.
      req.log.warn({ sqlState }, 'database refused a value');
      return sendError(reply, 400, 'VALIDATION_ERROR', 'The request contains a value that cannot be stored');
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      let message = clipWords(err.message, MAX_FOREIGN_MESSAGE);
      if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError' || /JSON/.test(err.message)) {
        message = 'body is not valid JSON';
      } else if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
        message = 'body must not be empty when content-type is application/json';
      } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        message = 'body is too large';
      } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        message = 'content-type must be application/json';
      } else if (status === 429) {
        message = 'Too many attempts, try again later';
      }
      return sendError(reply, status, CLIENT_CODES[status] ?? 'BAD_REQUEST', message);
    }
    // Log what identifies the failure, not TypeORM's `parameters` (request values).
    req.log.error({ err: { type: err.name, message: err.message, code: sqlState ?? err.code, stack: err.stack } }, 'unhandled error');
    return sendError(reply, 500, 'INTERNAL', 'Internal server error');
  });

  app.setNotFoundHandler((req, reply) => {
    if (opts.spaFallback?.(req, reply)) return reply;
    return sendError(reply, 404, 'ROUTE_NOT_FOUND', `Route ${req.method} ${clip(req.url.split('?')[0], 200)} not found`);
  });
}

/**
 * fastify's `frameworkErrors` option: errors the router raises before any hook
 * runs (bad percent-encoding, over-long path parameters) get the same body.
 */
export function frameworkErrorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, 400, 'VALIDATION_ERROR', 'params: a path parameter is too long');
  if (err.code === 'FST_ERR_BAD_URL') return sendError(reply, 400, 'VALIDATION_ERROR', 'url is not a valid url (bad percent-encoding)');
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  return sendError(reply, status, CLIENT_CODES[status] ?? 'BAD_REQUEST', 'The request could not be understood');
}

/**
 * fastify's `clientErrorHandler`: a request node's HTTP parser rejects (headers
 * over the size limit, a malformed request line, a read timeout) never reaches a
 * route, yet its answer carries the same body with a `code`.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'The request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive']
        : [400, 'BAD_REQUEST', 'The request could not be understood'];
  const body = JSON.stringify({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
