import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENTS } from '@kubidu/core/contract/webhook-words';
import { parseEvents } from './webhooks.js';

describe('parseEvents', () => {
  it('defaults to every event, and `all` means every event', () => {
    expect(parseEvents(undefined)).toEqual([...WEBHOOK_EVENTS]);
    expect(parseEvents(['rollback', 'all'])).toEqual([...WEBHOOK_EVENTS]);
  });

  it('a family name takes its events; names and comma lists mix; the order is the contract order', () => {
    expect(parseEvents(['rollback'])).toEqual(['rollback.started', 'rollback.succeeded', 'rollback.failed']);
    expect(parseEvents(['hold.set,deployment.failed', 'deployment.failed'])).toEqual(['deployment.failed', 'hold.set']);
  });

  it('an unknown name is a usage error naming it', () => {
    expect(() => parseEvents(['rollbacks'])).toThrow(/unknown event "rollbacks"/);
    expect(() => parseEvents(['rollback.done'])).toThrow(/unknown event "rollback.done"/);
  });
});
