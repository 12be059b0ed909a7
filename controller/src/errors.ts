/**
 * Controller errors are retryable unless marked terminal. A terminal error ends
 * the deployment FAILED with its message; anything else is retried with backoff
 * while the deployment keeps its lease.
 */
export class TerminalError extends Error {
  readonly terminal = true;
  constructor(message: string, readonly code = 'TERMINAL') {
    super(message);
    this.name = 'TerminalError';
  }
}

/** Lost the row's lease to another worker: stop touching it. */
export class LeaseLostError extends Error {
  readonly code = 'LEASE_LOST';
}

export function isTerminal(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { terminal?: boolean; retryable?: boolean };
  if (e.terminal === true) return true;
  if (e.retryable === false) return true;
  return false;
}

/** A one-line, secret-free message for status rows and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}
