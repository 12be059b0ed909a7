import { describe, expect, it } from 'vitest';
import { cliHint } from './api-hints.js';

describe('cliHint', () => {
  const hold = { rollbackId: '1a2b3c4d-0000-4000-8000-000000000000', heldBy: 'alice@example.com', heldSince: '2026-01-01T00:00:00.000Z' };

  it('DEPLOY_HELD names CLI commands and flags only, never a route or a body field', () => {
    const msg = cliHint('DEPLOY_HELD', { ...hold, reason: 'checkout broken' })!;
    expect(msg).toBe(
      'Deploys of this service are held: rollback 1a2b3c4d by alice@example.com is in force (checkout broken). ' +
        'Release the hold with `kubidu release`, or repeat the command with --override-hold to go through it (the hold stays).',
    );
    expect(msg).not.toMatch(/\/api\/|"override"/);
  });

  it('a 1,000-character reason is shortened at a word; the instructions stay whole', () => {
    const reason = 'slow '.repeat(200).trim();
    const msg = cliHint('DEPLOY_HELD', { ...hold, reason })!;
    expect(msg).toMatch(/\(slow( slow)*…\)\. Release the hold with `kubidu release`, or repeat the command with --override-hold to go through it \(the hold stays\)\.$/);
  });

  it('other codes, and a body without the data, keep the API message', () => {
    expect(cliHint('IMAGE_MARKED_BAD', hold)).toBeNull();
    expect(cliHint('DEPLOY_HELD', undefined)).toBeNull();
  });
});
