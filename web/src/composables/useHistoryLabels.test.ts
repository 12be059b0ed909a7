import { describe, expect, it } from 'vitest';
import { holdText } from './useHistoryLabels.js';

describe('hold banner', () => {
  it('puts the hold in words, with who and why', () => {
    expect(holdText({ serviceId: 's', rollbackId: '1a2b3c4d-0000-4000-8000-000000000000', heldBy: 'ada@example.com', reason: 'v2 broke', createdAt: '2026-01-01T00:00:00Z' })).toBe(
      'Deploys are held: rollback 1a2b3c4d by ada@example.com is in force (v2 broke). New deploys answer 409 until someone releases the hold.',
    );
  });
});
