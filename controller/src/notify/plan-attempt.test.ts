import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, planAttempt, retryDelayMs } from './plan-attempt.js';

const opts = { maxAttempts: 4, retryBaseMs: 100 };

describe('planAttempt', () => {
  it('a 2xx is delivered, whatever the attempt', () => {
    for (const code of [200, 201, 204, 299]) expect(planAttempt(4, code, opts)).toEqual({ outcome: 'DELIVERED', retryInMs: null });
  });

  it('anything else is retried with a doubling delay until the last attempt, then failed', () => {
    expect(planAttempt(1, 500, opts)).toEqual({ outcome: 'RETRY', retryInMs: 100 });
    expect(planAttempt(2, null, opts)).toEqual({ outcome: 'RETRY', retryInMs: 200 });
    expect(planAttempt(3, 302, opts)).toEqual({ outcome: 'RETRY', retryInMs: 400 });
    expect(planAttempt(4, 404, opts)).toEqual({ outcome: 'FAILED', retryInMs: null });
  });

  it('the delay is capped', () => {
    expect(retryDelayMs(40, 10_000)).toBe(MAX_RETRY_DELAY_MS);
  });
});
