/**
 * The error side of the contract: every `code` the API answers with, and the one
 * body all errors share. The API's error classes take their codes from here, and
 * clients match on these codes (never on message text).
 */
import { Type, type Static } from 'typebox';

/** Every error code the API answers with, and the HTTP status that goes with it. */
export const ERROR_STATUS = {
  /** A parameter, field, header or body is malformed; the message names it. */
  VALIDATION_ERROR: 400,
  /** A 4xx fastify raised that has no more precise code. */
  BAD_REQUEST: 400,
  /** The rollback target is in a status one may not roll back to. */
  ROLLBACK_TARGET_INVALID: 400,
  /** The rollback target is marked bad. */
  ROLLBACK_TARGET_BAD: 400,
  /** A deployment's env or secrets exceed a size limit (data: limit, size, what); the message names both. */
  ENV_TOO_LARGE: 400,
  /** An outgoing webhook URL that is not http(s), carries credentials, or points at a private address (KUBIDU_WEBHOOK_ALLOW_PRIVATE). */
  WEBHOOK_URL_INVALID: 400,
  /** No credentials, or wrong or expired ones (also a bad webhook signature). */
  UNAUTHORIZED: 401,
  /** The resource exists but belongs to someone else. */
  FORBIDDEN: 403,
  /** A project member whose role cannot roll back, release a hold or mark bad (viewer). */
  ROLE_CANNOT_ROLLBACK: 403,
  /** A project member whose role cannot deploy, change env or settings (oncall, viewer). */
  ROLE_CANNOT_DEPLOY: 403,
  /** A project member whose role cannot manage members (all but owner). */
  ROLE_CANNOT_MANAGE: 403,
  /** An API token scoped to `rollback` asked for anything but reading, rolling back, releasing or marking bad. */
  TOKEN_SCOPE_ROLLBACK_ONLY: 403,
  NOT_FOUND: 404,
  DEPLOYMENT_NOT_FOUND: 404,
  SERVICE_NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  /** No outgoing webhook with this id in this project. */
  WEBHOOK_NOT_FOUND: 404,
  /** Adding a member by an email that has no account. */
  USER_NOT_FOUND: 404,
  /** The user is not a member of this project. */
  MEMBER_NOT_FOUND: 404,
  /** A release (project rollback) id that does not exist in this project. */
  RELEASE_NOT_FOUND: 404,
  /** No route for this method and path. */
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  /** The request did not arrive in time (node's request timeout). */
  REQUEST_TIMEOUT: 408,
  /** A uniqueness rule (slug, service name, idempotency key) was violated. */
  CONFLICT: 409,
  /** The user is already a member of this project (change the role with PATCH). */
  ALREADY_MEMBER: 409,
  /** The change would leave the project without an owner. */
  LAST_OWNER: 409,
  /** The rollback target is already the current deployment. */
  ROLLBACK_TARGET_CURRENT: 409,
  /** A rollback holds deploys of this service. */
  DEPLOY_HELD: 409,
  /** Release asked for a service that has no hold. */
  DEPLOY_NOT_HELD: 409,
  /** The image is the exact image of a deployment marked bad. */
  IMAGE_MARKED_BAD: 409,
  /** Unmark asked for a deployment that is not marked bad. */
  DEPLOYMENT_NOT_BAD: 409,
  /** An image-only or config-only rollback, or an env change (PATCH /api/services/:id/env), needs a current deployment. */
  NO_CURRENT_DEPLOYMENT: 409,
  /** A project rollback where every service is already at its target (the skipped ones are in `data`). */
  NOTHING_TO_ROLL_BACK: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Over a request budget (login, registration, deploys, projects, services, event streams); `Retry-After` says when to retry. */
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  /** Anything unexpected; the body says nothing about internals. */
  INTERNAL: 500,
  /** The database cannot be reached; retry. */
  DATABASE_UNAVAILABLE: 503,
  /** Git webhooks are off until KUBIDU_WEBHOOK_SECRET is set. */
  WEBHOOKS_DISABLED: 503,
} as const;

/** One of the codes in ERROR_STATUS. */
export type ErrorCode = keyof typeof ERROR_STATUS;
/** The codes as a list (OpenAPI enum, exhaustive tests). */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
/** The 404 codes a lookup of one kind of resource answers with. */
export type NotFoundCode = 'NOT_FOUND' | 'DEPLOYMENT_NOT_FOUND' | 'SERVICE_NOT_FOUND' | 'PROJECT_NOT_FOUND' | 'WEBHOOK_NOT_FOUND' | 'USER_NOT_FOUND' | 'MEMBER_NOT_FOUND' | 'RELEASE_NOT_FOUND';

/** The contract's error body. */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: ERROR_CODES }),
    error: Type.String(),
    message: Type.String(),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'Every error: tests and clients match on `code`.' },
);
/** The static type of ErrorBody. */
export type ErrorBody = Static<typeof ErrorBody>;

/** Error responses every route may give (the API's one error handler shapes them all the same way). */
export const ErrorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;
