import { describe, expect, it } from 'vitest';
import { clipWords } from './clip.js';

describe('clipWords', () => {
  it('leaves text that fits alone', () => {
    expect(clipWords('v2 broke checkout', 200)).toBe('v2 broke checkout');
    expect(clipWords('x'.repeat(20), 20)).toBe('x'.repeat(20));
  });

  it('cuts at a word boundary and ends with an ellipsis, within the limit', () => {
    const out = clipWords('the payment provider answers slowly, retries pile up', 30);
    expect(out).toBe('the payment provider answers…');
    expect(Array.from(out).length).toBeLessThanOrEqual(30);
    expect(clipWords('alpha beta gamma', 11)).toBe('alpha beta…');
    expect(clipWords('alpha, beta gamma', 8)).toBe('alpha…');
  });

  it('cuts one long word inside it only when nothing else fits, never a surrogate pair', () => {
    expect(clipWords('y'.repeat(50), 10)).toBe('y'.repeat(9) + '…');
    expect(clipWords('😀'.repeat(10), 5)).toBe('😀'.repeat(4) + '…');
  });
});
