import { describe, expect, it } from 'vitest';
import { slugify } from './project-service.js';
import { normalizeIdPrefix } from '../deployments/deployment-repository.js';
import { DNS_LABEL, isStorableText } from '../../validation/formats.js';

describe('slugify', () => {
  it.each([
    ['My App!', 'my-app'],
    ['  Ünïcödé   Shop ', 'unicode-shop'],
    ['---x---', 'x'],
    ['!!!', ''],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'a'.repeat(62)} b`, 'a'.repeat(62)],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
    if (slug) expect(DNS_LABEL.test(slug)).toBe(true);
  });
});

describe('normalizeIdPrefix', () => {
  it('puts the dashes where uuid text has them', () => {
    expect(normalizeIdPrefix('0123ABCD')).toBe('0123abcd');
    expect(normalizeIdPrefix('0123abcd4567')).toBe('0123abcd-4567');
    expect(normalizeIdPrefix('0123abcd-4567-89ab')).toBe('0123abcd-4567-89ab');
    expect(normalizeIdPrefix('0123abcd456789abcdef0123456789ab')).toBe('0123abcd-4567-89ab-cdef-0123456789ab');
  });
});

describe('isStorableText', () => {
  it('refuses NUL and unpaired surrogates, accepts any other unicode', () => {
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('x\udc00')).toBe(false);
    expect(isStorableText('🚀 ÄÖÜ\n\t{yaml: [1]}')).toBe(true);
    expect(isStorableText('')).toBe(true);
  });
});
