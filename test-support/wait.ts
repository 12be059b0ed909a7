/**
 * The one polling helper of the test suite: read something until it is what
 * the test waits for. On timeout the error says what was awaited, for how long,
 * and the last value read, so a red run shows where things stood instead of
 * only "timed out".
 */
import { inspect } from 'node:util';

/** How long and how often waitFor reads; `until` decides when the value is the one awaited (default: not undefined, null or false). */
export interface WaitOptions<T> {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between reads (default 100 ms). */
  intervalMs?: number;
  until?: (value: T) => boolean;
}

/** Thrown when waitFor gives up: names what was awaited and shows the last value read. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: unknown,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${inspect(last, { depth: 4, breakLength: 160 })}`);
    this.name = 'WaitTimeoutError';
  }
}

const ready = (v: unknown) => v !== undefined && v !== null && v !== false;

/**
 * Reads `read()` every `intervalMs` until `until(value)` holds (by default: the value is not
 * undefined, null or false) and returns that value. An error thrown by `read` ends the wait
 * with that error: a broken probe is a failure, not something to wait out.
 */
export async function waitFor<T>(what: string, read: () => T | Promise<T>, opts: WaitOptions<T> = {}): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const done = opts.until ?? ready;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value as Exclude<T, undefined | null | false>;
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, value);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
