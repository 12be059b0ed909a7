/**
 * What follows one delivery attempt (pure): a 2xx is DELIVERED; anything else is
 * retried after `retryBaseMs · 2^(attempt-1)` (capped at an hour) until
 * `maxAttempts` have been made, then the event is FAILED.
 */
import type { DeliveryOutcome } from '@kubidu/core/contract/webhook-words';

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

export interface AttemptPlan {
  outcome: DeliveryOutcome;
  /** Milliseconds until the next attempt; null when there is none. */
  retryInMs: number | null;
}

/** The backoff before attempt `attempt + 1`. */
export function retryDelayMs(attempt: number, retryBaseMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

/** The plan after attempt number `attempt` (1-based) answered `statusCode` (null: no answer). */
export function planAttempt(attempt: number, statusCode: number | null, opts: { maxAttempts: number; retryBaseMs: number }): AttemptPlan {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { outcome: 'DELIVERED', retryInMs: null };
  if (attempt >= opts.maxAttempts) return { outcome: 'FAILED', retryInMs: null };
  return { outcome: 'RETRY', retryInMs: retryDelayMs(attempt, opts.retryBaseMs) };
}
