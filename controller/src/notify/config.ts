/**
 * The delivery worker's settings (outgoing webhooks), read by the controller's
 * loader: how long one POST may take, how many attempts an event gets, the first
 * retry delay (doubling each time), how often to look for due events, whether
 * private addresses may be reached, and how long finished events are kept.
 */
import { readDuration, readInt, type Env } from '@kubidu/core/config/env';
import { readWebhookAllowPrivate } from '@kubidu/core/config/shared';

export interface WebhookDeliveryConfig {
  /** KUBIDU_WEBHOOK_ALLOW_PRIVATE (default false). */
  allowPrivate: boolean;
  /** KUBIDU_WEBHOOK_TIMEOUT_MS: one attempt ends as failed after this long (default 10 s). */
  timeoutMs: number;
  /** KUBIDU_WEBHOOK_MAX_ATTEMPTS: then the event is given up (FAILED) (default 8). */
  maxAttempts: number;
  /** KUBIDU_WEBHOOK_RETRY_BASE_MS: the delay after the first failure; each later one doubles, up to an hour (default 10 s). */
  retryBaseMs: number;
  /** KUBIDU_WEBHOOK_POLL_MS: how often the worker looks for due events (default 1 s). */
  pollMs: number;
  /** KUBIDU_WEBHOOK_RETENTION_DAYS: delivered and given-up events (and their attempt log) are deleted after this many days (default 30). */
  retentionDays: number;
}

/** Reads and checks the delivery worker's settings. */
export function loadWebhookDeliveryConfig(env: Env): WebhookDeliveryConfig {
  return {
    allowPrivate: readWebhookAllowPrivate(env),
    timeoutMs: readDuration(env, 'KUBIDU_WEBHOOK_TIMEOUT_MS', { unit: 'ms', default: 10_000, min: 100, max: 120_000 }),
    maxAttempts: readInt(env, 'KUBIDU_WEBHOOK_MAX_ATTEMPTS', { default: 8, min: 1, max: 50 }),
    retryBaseMs: readDuration(env, 'KUBIDU_WEBHOOK_RETRY_BASE_MS', { unit: 'ms', default: 10_000, min: 10, max: 3_600_000 }),
    pollMs: readDuration(env, 'KUBIDU_WEBHOOK_POLL_MS', { unit: 'ms', default: 1000, min: 20, max: 600_000 }),
    retentionDays: readInt(env, 'KUBIDU_WEBHOOK_RETENTION_DAYS', { default: 30, min: 1, max: 3650 }),
  };
}
