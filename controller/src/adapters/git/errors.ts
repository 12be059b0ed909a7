/**
 * Kubidu's own git errors. The claim loop decides retry vs. FAILED from these
 * (`retryable`, the controller's one error shape), never from isomorphic-git's
 * error zoo, and their messages are safe to store in a status row: they never
 * carry credentials.
 */
import { KubiduControllerError } from '../../errors.js';

/** Base of all git adapter errors: retryable unless a subclass says otherwise. */
export class GitError extends KubiduControllerError {
  override readonly code: string = 'GIT_ERROR';
  override readonly retryable: boolean = true;
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('GIT_ERROR', message, { retryable: true, cause: opts.cause });
  }
}

/** Someone else changed one of our files since our base: the deployment fails naming their commit. */
export class GitConflictError extends GitError {
  override readonly code = 'GIT_CONFLICT';
  override readonly retryable = false;
  constructor(readonly otherCommit: string, readonly path: string) {
    super(`commit ${otherCommit.slice(0, 12)} changed ${path} after this change was planned; not overwriting it`);
    this.name = 'GitConflictError';
  }
}

/** The remote could not be reached (network, 5xx): retry later. */
export class GitRemoteUnavailableError extends GitError {
  override readonly code = 'GIT_REMOTE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'GitRemoteUnavailableError';
  }
}

/** The remote refused our credentials: retrying will not help. */
export class GitAuthError extends GitError {
  override readonly code = 'GIT_AUTH';
  override readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'GitAuthError';
  }
}

/** The remote refused our ref update (someone pushed first): fetch, rebuild, retry. */
export class GitRejectedError extends GitError {
  override readonly code = 'GIT_REJECTED';
  constructor(readonly reason: string) {
    super(`the manifests remote rejected the push: ${reason}`);
    this.name = 'GitRejectedError';
  }
}

/** The repo holds something we cannot work with (missing objects, bad ref...). */
export class GitRepositoryError extends GitError {
  override readonly code = 'GIT_REPOSITORY';
  constructor(message: string) {
    super(message);
    this.name = 'GitRepositoryError';
  }
}

/** The planned change itself is invalid (bad path, file/folder clash): retrying cannot help. */
export class GitInvalidChangeError extends GitError {
  override readonly code = 'GIT_INVALID_CHANGE';
  override readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'GitInvalidChangeError';
  }
}

/** Removes `user:pass@` from URLs and known secret strings from a message. */
export function redact(text: string, secrets: Array<string | undefined> = []): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]*@/g, '$1');
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}
