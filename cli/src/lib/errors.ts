/**
 * The CLI's own error classes. Each carries a `code` (printed as `Error [CODE]`)
 * and an `exitCode`, so one `handleErrors` can map any failure to the documented
 * exit codes: 1 = the operation failed, 2 = usage error or refused.
 */

/** Base class: anything the CLI reports deliberately (no stack unless --verbose). */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  /** Extra lines printed under the one-line reason (e.g. ambiguous candidates). */
  readonly details: string[];
  constructor(code: string, message: string, opts: { exitCode?: number; details?: string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details ?? [];
  }
}

/** Wrong or missing arguments: exit 2, the user must change the command line. */
export class UsageError extends CliError {
  constructor(message: string, details: string[] = []) {
    super('USAGE', message, { exitCode: 2, details });
  }
}

/** The CLI refused to act (no terminal to confirm on, or the user answered No): exit 2. */
export class RefusedError extends CliError {
  constructor(code: 'CONFIRMATION_REQUIRED' | 'CANCELLED', message: string) {
    super(code, message, { exitCode: 2 });
  }
}

/** A deployment id prefix matched several deployments: exit 2 with the candidates listed. */
export class AmbiguousPrefixError extends CliError {
  constructor(prefix: string, candidates: string[]) {
    super('AMBIGUOUS_ID', `Deployment id prefix "${prefix}" matches ${candidates.length} deployments; give more characters`, {
      exitCode: 2,
      details: candidates,
    });
  }
}

/** No stored credentials and no --token / KUBIDU_TOKEN for this API URL. */
export class NotLoggedInError extends CliError {
  constructor(apiUrl: string) {
    super('NOT_LOGGED_IN', `Not logged in to ${apiUrl}: run "kubidu login" or set KUBIDU_TOKEN`);
  }
}

/** An answer from the API with a non-2xx status; keeps the API's own error code. */
export class ApiError extends CliError {
  readonly statusCode: number;
  readonly data: unknown;
  constructor(statusCode: number, code: string, message: string, data?: unknown) {
    super(code, message);
    this.statusCode = statusCode;
    this.data = data;
  }
}

/** The API could not be reached at all; the message names the URL that was tried. */
export class NetworkError extends CliError {
  readonly url: string;
  constructor(url: string, cause: unknown) {
    const reason = describeCause(cause);
    super('NETWORK_ERROR', `Could not reach ${url}${reason ? ` (${reason})` : ''}`, { cause });
    this.url = url;
  }
}

/** A followed deployment ended FAILED or CANCELLED (or the wait timed out). */
export class DeploymentFailedError extends CliError {
  constructor(code: 'DEPLOYMENT_FAILED' | 'DEPLOYMENT_CANCELLED' | 'WAIT_TIMEOUT', message: string) {
    super(code, message, { exitCode: 1 });
  }
}

function describeCause(cause: unknown): string {
  if (!cause || typeof cause !== 'object') return '';
  const c = cause as { code?: unknown; cause?: unknown; message?: unknown; name?: unknown };
  if (typeof c.code === 'string') return c.code;
  if (c.cause) {
    const inner = describeCause(c.cause);
    if (inner) return inner;
  }
  if (c.name === 'TimeoutError') return 'timed out';
  return typeof c.message === 'string' ? c.message : '';
}
