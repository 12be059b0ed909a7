/**
 * The one error shape of the controller: every error Kubidu throws on purpose
 * carries a `code` and says whether retrying can help (`retryable`). The deploy
 * step asks only `isRetryable(err)`: a retryable failure is retried with backoff
 * while the deployment keeps its lease; anything else ends it FAILED with its
 * message. Adapters import this module (it imports nothing from reconcile/).
 */

/** Base of every error the controller and its adapters throw on purpose. */
export class KubiduControllerError extends Error {
  readonly code: string;
  /** false: terminal — retrying cannot help, the deployment ends FAILED. */
  readonly retryable: boolean;
  constructor(code: string, message: string, opts: { retryable: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable;
  }
}

/** A failure the deploy step decided is final (e.g. it gave up after retrying too long). */
export class TerminalError extends KubiduControllerError {
  constructor(message: string, code = 'TERMINAL') {
    super(code, message, { retryable: false });
  }
}

/** Lost the row's lease to another worker: stop touching it (never retried, never marks the row). */
export class LeaseLostError extends KubiduControllerError {
  constructor(message: string) {
    super('LEASE_LOST', message, { retryable: false });
  }
}

/**
 * Whether retrying `err` can help. Kubidu's own errors say so; anything else
 * (a bug, an unexpected library error) counts as retryable, so the row is
 * resumed rather than failed on a hiccup.
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof KubiduControllerError ? err.retryable : true;
}

/** A one-line, secret-free message for status rows and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}
