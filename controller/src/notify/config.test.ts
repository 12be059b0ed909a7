import { describe, expect, it } from 'vitest';
import { ConfigError } from '@kubidu/core/config/env';
import { loadWebhookDeliveryConfig } from './config.js';

describe('loadWebhookDeliveryConfig', () => {
  it('defaults: private addresses refused, 10 s timeout, 8 attempts, 10 s first retry, 1 s poll, kept 30 days', () => {
    expect(loadWebhookDeliveryConfig({})).toEqual({ allowPrivate: false, timeoutMs: 10_000, maxAttempts: 8, retryBaseMs: 10_000, pollMs: 1000, retentionDays: 30 });
  });

  it('reads each setting, and a bad value fails naming the variable', () => {
    expect(
      loadWebhookDeliveryConfig({
        KUBIDU_WEBHOOK_ALLOW_PRIVATE: 'true',
        KUBIDU_WEBHOOK_TIMEOUT_MS: '500',
        KUBIDU_WEBHOOK_MAX_ATTEMPTS: '3',
        KUBIDU_WEBHOOK_RETRY_BASE_MS: '100',
        KUBIDU_WEBHOOK_POLL_MS: '50',
        KUBIDU_WEBHOOK_RETENTION_DAYS: '7',
      }),
    ).toEqual({ allowPrivate: true, timeoutMs: 500, maxAttempts: 3, retryBaseMs: 100, pollMs: 50, retentionDays: 7 });
    for (const [name, value] of [
      ['KUBIDU_WEBHOOK_ALLOW_PRIVATE', 'sometimes'],
      ['KUBIDU_WEBHOOK_TIMEOUT_MS', '10s'],
      ['KUBIDU_WEBHOOK_MAX_ATTEMPTS', '0'],
      ['KUBIDU_WEBHOOK_RETRY_BASE_MS', '-1'],
      ['KUBIDU_WEBHOOK_POLL_MS', '5'],
      ['KUBIDU_WEBHOOK_RETENTION_DAYS', '0'],
    ]) {
      let err: unknown;
      try {
        loadWebhookDeliveryConfig({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(name);
      expect((err as ConfigError).message).toContain(value);
    }
  });
});
