import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { isUuid, matchPrefix, normalizeDeploymentRef, shortId } from './resolve.js';

const rows = [
  { id: '3f2a9c1d-0000-4000-8000-000000000001' },
  { id: '3f2a9c1d-0000-4000-8000-000000000002' },
  { id: '9a8b7c6d-1111-4000-8000-000000000003' },
];

describe('deployment id prefixes', () => {
  it('accepts a full uuid (any case) and lower-cases it', () => {
    expect(normalizeDeploymentRef('9A8B7C6D-1111-4000-8000-000000000003')).toBe('9a8b7c6d-1111-4000-8000-000000000003');
    expect(isUuid(rows[0].id)).toBe(true);
    expect(isUuid('3f2a9c1d')).toBe(false);
  });

  it('requires at least 8 characters', () => {
    expect(normalizeDeploymentRef('3f2a9c1d')).toBe('3f2a9c1d');
    expect(() => normalizeDeploymentRef('3f2a9c1')).toThrow(UsageError);
    expect(() => normalizeDeploymentRef('3f2a9c1')).toThrow(/at least 8/);
  });

  it('rejects things that cannot be part of a uuid', () => {
    expect(() => normalizeDeploymentRef('latest-deploy')).toThrow(/not a deployment id/);
  });

  it('matches one, many or none', () => {
    expect(matchPrefix('9a8b7c6d', rows)).toEqual({ kind: 'one', item: rows[2] });
    expect(matchPrefix('3F2A9C1D', rows)).toEqual({ kind: 'many', items: [rows[0], rows[1]] });
    expect(matchPrefix('3f2a9c1d-0000-4000-8000-000000000002', rows)).toEqual({ kind: 'one', item: rows[1] });
    expect(matchPrefix('deadbeef', rows)).toEqual({ kind: 'none' });
  });

  it('short ids are 8 characters', () => {
    expect(shortId(rows[2].id)).toBe('9a8b7c6d');
  });
});
