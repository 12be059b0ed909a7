import { describe, expect, it } from 'vitest';
import { formatExactTime, formatRelativeTime } from './useRelativeTime.js';

const now = Date.parse('2026-03-10T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();

describe('formatRelativeTime', () => {
  it.each([
    [5, 'just now'],
    [90, '2 minutes ago'],
    [3 * 3600, '3 hours ago'],
    [26 * 3600, 'yesterday'],
    [3 * 86400, '3 days ago'],
    [15 * 86400, '2 weeks ago'],
    [70 * 86400, '2 months ago'],
    [400 * 86400, 'last year'],
    [-120, 'in 2 minutes'],
  ])('%i s → %s', (s, text) => {
    expect(formatRelativeTime(ago(s), now)).toBe(text);
  });

  it('is empty for garbage', () => {
    expect(formatRelativeTime('nope', now)).toBe('');
  });
});

describe('formatExactTime', () => {
  it('has the date, seconds and a zone', () => {
    const s = formatExactTime('2026-03-10T12:34:56Z');
    expect(s).toMatch(/2026/);
    expect(s).toMatch(/:56/);
    expect(s).toMatch(/[A-Z]{2,}|GMT|UTC/);
  });
});
