import { describe, expect, it } from 'vitest';
import { isConfigValue } from './formats.js';

describe('isConfigValue (plain env kustomize can render)', () => {
  it('refuses a multi-line value that starts with a tab, and what text refuses', () => {
    for (const v of ['\t\n', '\tx\ny', '\t\tx\ny', 'a\u0000b', '\ud800', 'a\u007fb', '\u0080', 'x\u0085y', '\u009f', 'a\u2028', '\u2029', '\ufffe', 'z\uffff']) expect(isConfigValue(v), JSON.stringify(v)).toBe(false);
  });
  it('accepts tabs anywhere else, YAML syntax and unicode', () => {
    for (const v of ['', '\tx', ' \tx\ny', 'x\n\ty', '\n\tx', '---\nfoo: bar # c', 'ä "q" \'s\'', 'esc \u001b[0m \u0007', '\u00a0nbsp', '\u007e', '\u{10ffff}', '\ufffd']) expect(isConfigValue(v), JSON.stringify(v)).toBe(true);
  });
});
