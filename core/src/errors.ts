/**
 * Kubidu's API errors. Every error a route or service can raise on purpose is a
 * `KubiduError`: it carries the stable `code` clients and tests match on, the HTTP
 * `statusCode`, and optional `data`. The one error handler (plugins/error-handler.ts)
 * turns them into the contract's error body; anything else becomes a 500 whose
 * body says nothing about internals. The codes and their statuses are the wire
 * contract's (core/src/contract/errors.ts).
 */
import type { ERROR_STATUS, ErrorCode, NotFoundCode } from '@kubidu/core/contract/errors';

/** Base of every deliberate API error; `code` is the contract (its status must be the contract's too), `message` is for humans. */
export class KubiduError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    readonly statusCode: (typeof ERROR_STATUS)[C],
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: a parameter or field is malformed; the message names it (`body/image ...`). */
export class ValidationError extends KubiduError {
  constructor(message: string, data?: Record<string, unknown>) {
    super('VALIDATION_ERROR', 400, message, data);
  }
}

/** 401: no credentials, or credentials that are wrong or expired. */
export class UnauthorizedError extends KubiduError {
  constructor(message = 'Authentication required') {
    super('UNAUTHORIZED', 401, message);
  }
}

/** 403: the resource exists but belongs to someone else. Never names the owner. */
export class ForbiddenError extends KubiduError {
  constructor(message = 'You do not have access to this resource') {
    super('FORBIDDEN', 403, message);
  }
}

/** 404 for one kind of resource (`DEPLOYMENT_NOT_FOUND`, `SERVICE_NOT_FOUND`, ...). */
export class NotFoundError extends KubiduError {
  constructor(code: NotFoundCode, message: string) {
    super(code, 404, message);
  }
}

/** 409: a uniqueness rule (slug, service name, idempotency key) was violated. */
export class ConflictError extends KubiduError {
  constructor(message: string, data?: Record<string, unknown>) {
    super('CONFLICT', 409, message, data);
  }
}

/** 503: the database cannot be reached; callers may retry. */
export class DatabaseUnavailableError extends KubiduError {
  constructor() {
    super('DATABASE_UNAVAILABLE', 503, 'The database is unavailable, try again shortly');
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
]);

const RELEASED_RUNNER_ERRORS = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

/** True when an error (possibly wrapped by TypeORM) means "cannot talk to Postgres". */
export function isDatabaseUnavailable(err: unknown): boolean {
  // TypeORM releases a transaction's query runner when its connection dies (Postgres restarted,
  // network cut); the next query or the COMMIT then fails with one of these instead of a
  // connection error. Postgres has rolled the transaction back: unavailable, not a bug.
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && RELEASED_RUNNER_ERRORS.has(name)) return true;
  for (let e: any = err, depth = 0; e && depth < 4; e = e.driverError ?? e.cause, depth++) {
    if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
    const msg = typeof e.message === 'string' ? e.message : '';
    if (
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Cannot use a pool after calling end|Driver not Connected|Connection is not established/i.test(
        msg,
      )
    ) {
      return true;
    }
  }
  return false;
}

/** The Postgres SQLSTATE of an error (possibly wrapped by TypeORM), if any. */
export function pgCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const c = e?.driverError?.code ?? e?.code;
  return typeof c === 'string' ? c : undefined;
}

/** The constraint a Postgres error names, if any. */
export function pgConstraint(err: unknown): string | undefined {
  const e = err as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const c = e?.driverError?.constraint ?? e?.constraint;
  return typeof c === 'string' ? c : undefined;
}
