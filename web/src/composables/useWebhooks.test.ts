import { describe, expect, it } from 'vitest';
import type { DeliveryView } from '@kubidu/core/contract/webhooks';
import { describeDelivery, emptyHookForm, hookFormProblem } from './useWebhooks.js';

const attempt = (over: Partial<DeliveryView>): DeliveryView => ({
  id: 'a',
  eventId: 'e',
  eventType: 'rollback.started',
  deliveryId: 'd',
  attempt: 1,
  outcome: 'DELIVERED',
  statusCode: 200,
  error: null,
  durationMs: 12,
  nextRetryAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('hookFormProblem', () => {
  it('asks for an http(s) URL, a secret of 8 or more characters and at least one event', () => {
    const ok = { ...emptyHookForm(), url: 'https://hooks.example.com/x', secret: '12345678' };
    expect(hookFormProblem(ok)).toBeNull();
    expect(hookFormProblem({ ...ok, url: 'ftp://x' })).toMatch(/http:\/\/ or https:\/\//);
    expect(hookFormProblem({ ...ok, url: '' })).toMatch(/URL/);
    expect(hookFormProblem({ ...ok, secret: 'short' })).toMatch(/at least 8/);
    expect(hookFormProblem({ ...ok, events: [] })).toMatch(/at least one event/);
  });
});

describe('describeDelivery', () => {
  it('says what happened to an attempt and what comes next', () => {
    expect(describeDelivery(attempt({}))).toBe('Delivered: rollback.started · attempt 1 · HTTP 200 · 12 ms');
    expect(describeDelivery(attempt({ outcome: 'RETRY', statusCode: null, error: 'timed out after 10000 ms', attempt: 2, nextRetryAt: null }))).toBe(
      'Failed, retrying: rollback.started · attempt 2 · timed out after 10000 ms · 12 ms',
    );
    expect(describeDelivery(attempt({ outcome: 'FAILED', statusCode: 503, attempt: 8 }))).toBe('Gave up: rollback.started · attempt 8 · HTTP 503 · 12 ms');
  });
});
