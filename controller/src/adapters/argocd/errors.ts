/**
 * Kubidu's own errors for what Argo CD answers. The sync step decides on `code` and
 * `retryable`; `message` is written for a person (it ends up on the deployment row), carries
 * Argo CD's own words, and never contains a token or password.
 */
import { KubiduControllerError } from '../../errors.js';
import { GrpcCode, type ArgoRuntimeError } from './types.js';

/** Base of every Argo CD adapter error; `retryable: false` means terminal (stop and mark FAILED). */
export class ArgoError extends KubiduControllerError {
  /** HTTP status when Argo CD answered; undefined for network failures. */
  readonly status?: number;
  /** Argo CD's own message, unchanged. */
  readonly argoMessage?: string;
  constructor(code: string, message: string, opts: { retryable: boolean; status?: number; argoMessage?: string; cause?: unknown }) {
    super(code, message, { retryable: opts.retryable, cause: opts.cause });
    this.status = opts.status;
    this.argoMessage = opts.argoMessage;
  }
}

/** 401/403 for Kubidu's credentials or RBAC: terminal until someone fixes the account or token. */
export class ArgoAuthError extends ArgoError {}

/** The Application does not exist (usually a wrong ARGOCD_APP_TEMPLATE): terminal. */
export class ArgoAppNotFoundError extends ArgoError {}

/** A deny sync window blocks the sync: terminal for this deployment, Argo CD's message kept. */
export class ArgoSyncWindowError extends ArgoError {}

/** "another operation is already in progress": wait for that operation, then sync again. */
export class ArgoOperationInProgressError extends ArgoError {}

/** 5xx, timeouts, connection refused: retry with backoff until the deadline. */
export class ArgoUnavailableError extends ArgoError {}

/** "Cannot sync to X: auto-sync currently set to Y": sync again without a revision. */
export class ArgoRevisionNotTrackedError extends ArgoError {}

/** Any other request Argo CD rejected (4xx): terminal, Argo CD's message kept. */
export class ArgoRequestError extends ArgoError {}

/** What the error mapper needs to know to write a message a person can act on. */
export interface ArgoErrorContext {
  appName?: string;
  /** 'token' when ARGOCD_TOKEN is used, 'session' for ARGOCD_USERNAME/ARGOCD_PASSWORD. */
  auth?: 'token' | 'session';
  /** What Kubidu was doing, e.g. "sync" or "get". */
  action?: string;
}

/** Reads Argo CD's message out of a runtimeError body (or a non-JSON body). */
export function argoMessageOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const b = body as ArgoRuntimeError;
    const msg = (b.message || b.error || '').trim();
    if (msg) return msg;
  }
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return fallback;
}

/**
 * Maps an Argo CD error answer (HTTP status + grpc-gateway `runtimeError` body) to a Kubidu
 * error. Mapping is by HTTP status, gRPC code and Argo CD's message, because several distinct
 * situations share a status (403 is both RBAC and sync windows; 400 is both "operation in
 * progress" and "auto-sync currently set to").
 */
export function mapArgoError(status: number, body: unknown, ctx: ArgoErrorContext = {}): ArgoError {
  const argoMessage = argoMessageOf(body, `HTTP ${status}`);
  const grpc = body && typeof body === 'object' ? (body as ArgoRuntimeError).code : undefined;
  const app = ctx.appName ? `application '${ctx.appName}'` : 'the application';
  const base = { status, argoMessage };

  if (status === 401 || grpc === GrpcCode.Unauthenticated) {
    const fix = ctx.auth === 'session'
      ? 'check ARGOCD_USERNAME and ARGOCD_PASSWORD (the account needs the login capability)'
      : 'check ARGOCD_TOKEN (create one with `argocd account generate-token --account kubidu`)';
    return new ArgoAuthError('ARGOCD_UNAUTHENTICATED', `Argo CD rejected Kubidu's credentials (${argoMessage}): ${fix}`, { retryable: false, ...base });
  }
  if (/sync window/i.test(argoMessage)) {
    return new ArgoSyncWindowError('ARGOCD_SYNC_WINDOW',
      `Argo CD refused to sync ${app}: ${argoMessage}. Wait for the sync window to open, or allow manual syncs in the AppProject's syncWindows`,
      { retryable: false, ...base });
  }
  if ((status === 403 || grpc === GrpcCode.PermissionDenied) && /^permission denied$/i.test(argoMessage)) {
    // The bare answer of Argo CD's application lookup: without a project in the request it says
    // the same for an application that does not exist as for one the account may not read.
    return new ArgoAuthError('ARGOCD_FORBIDDEN',
      `Argo CD answered permission denied or no such ${app}${ctx.action ? ` (on '${ctx.action}')` : ''}: check ARGOCD_APP_TEMPLATE (the ApplicationSet must have generated that application) and the account's RBAC (get and sync on its project in argocd-rbac-cm)`,
      { retryable: false, ...base });
  }
  if (status === 403 || grpc === GrpcCode.PermissionDenied) {
    return new ArgoAuthError('ARGOCD_FORBIDDEN',
      `Argo CD denied Kubidu ${ctx.action ? `'${ctx.action}' on ` : ''}${app} (${argoMessage}): allow get and sync on its project for the kubidu account in argocd-rbac-cm; Argo CD answers the same for an application that does not exist, so also check ARGOCD_APP_TEMPLATE`,
      { retryable: false, ...base });
  }
  if (status === 404 || grpc === GrpcCode.NotFound) {
    return new ArgoAppNotFoundError('ARGOCD_APP_NOT_FOUND',
      `Argo CD ${app} not found: check ARGOCD_APP_TEMPLATE and that the ApplicationSet generated it (Argo CD said: ${argoMessage})`,
      { retryable: false, ...base });
  }
  if (/another operation is already in progress/i.test(argoMessage)) {
    return new ArgoOperationInProgressError('ARGOCD_OPERATION_IN_PROGRESS',
      `Argo CD is already running an operation on ${app}: ${argoMessage}`, { retryable: true, ...base });
  }
  if (/auto-sync currently set to/i.test(argoMessage)) {
    return new ArgoRevisionNotTrackedError('ARGOCD_REVISION_NOT_TRACKED',
      `Argo CD refused the revision for ${app}: ${argoMessage}`, { retryable: false, ...base });
  }
  if (status >= 500 || status === 429 || grpc === GrpcCode.Unavailable) {
    return new ArgoUnavailableError('ARGOCD_UNAVAILABLE', `Argo CD answered ${status}: ${argoMessage}`, { retryable: true, ...base });
  }
  return new ArgoRequestError('ARGOCD_REQUEST_REJECTED', `Argo CD rejected the ${ctx.action ?? 'request'} for ${app} (${status}): ${argoMessage}`, { retryable: false, ...base });
}

/** Maps a failure to reach Argo CD at all (refused, reset, DNS, TLS, timeout) to a retryable error. */
export function mapNetworkError(err: unknown, url: string, timeoutMs: number): ArgoUnavailableError {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e?.cause?.code ?? e?.code;
  let what: string;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    what = `did not answer within ${Math.round(timeoutMs / 1000)} s`;
  } else if (code === 'ECONNREFUSED') {
    what = 'refused the connection';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    what = 'could not be resolved';
  } else if (typeof code === 'string' && /CERT|SELF_SIGNED|TLS|SSL/.test(code)) {
    what = `failed TLS verification (${code}); set ARGOCD_INSECURE=true for a self-signed certificate`;
  } else {
    what = `could not be reached (${code ?? e?.cause?.message ?? e?.message ?? 'unknown error'})`;
  }
  return new ArgoUnavailableError('ARGOCD_UNAVAILABLE', `Argo CD at ${url} ${what}`, { retryable: true, cause: err });
}
