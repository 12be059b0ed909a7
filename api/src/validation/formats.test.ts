import { describe, expect, it } from 'vitest';
import { isConfigValue } from './formats.js';

describe('isConfigValue (plain env kustomize can render)', () => {
  it('refuses a multi-line value that starts with a tab, and what text refuses', () => {
    for (const v of ['\t\n', '\tx\ny', '\t\tx\ny', 'a\u0000b', '\ud800']) expect(isConfigValue(v), JSON.stringify(v)).toBe(false);
  });
  it('accepts tabs anywhere else, YAML syntax and unicode', () => {
    for (const v of ['', '\tx', ' \tx\ny', 'x\n\ty', '\n\tx', '---\nfoo: bar # c', 'ä "q" \'s\'']) expect(isConfigValue(v), JSON.stringify(v)).toBe(true);
  });
});
