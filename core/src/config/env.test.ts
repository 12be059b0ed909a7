import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import {
  ConfigError,
  readBoolean,
  readDuration,
  readEnum,
  readInt,
  readPath,
  readSecret,
  readString,
  readUrl,
  requireThat,
} from './env.js';

/** The ConfigError `fn` throws (fails the test when it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('env readers', () => {
  it('readString trims, and treats unset or blank as the default', () => {
    expect(readString({ A: '  x ' }, 'A')).toBe('x');
    expect(readString({ A: '  ' }, 'A', 'd')).toBe('d');
    expect(readString({}, 'A')).toBeUndefined();
  });

  it('readSecret keeps the value as given', () => {
    expect(readSecret({ S: ' p w ' }, 'S')).toBe(' p w ');
    expect(readSecret({ S: '' }, 'S')).toBeUndefined();
  });

  it('readInt: default, bounds, and a typo names the variable, the value and the range', () => {
    const o = { default: 5, min: 1, max: 10 };
    expect(readInt({}, 'N', o)).toBe(5);
    expect(readInt({ N: '10' }, 'N', o)).toBe(10);
    for (const bad of ['0', '11', '5x', '1.5', '1e1', 'five', '0x5']) {
      const err = configError(() => readInt({ N: bad }, 'N', o));
      expect(err).toMatchObject({ code: 'CONFIG_INVALID', variable: 'N' });
      expect(err.message).toBe(`N must be an integer between 1 and 10, got '${bad}'`);
    }
  });

  it('readBoolean accepts true/false words in any case and refuses others', () => {
    for (const t of ['1', 'true', 'YES', 'On']) expect(readBoolean({ B: t }, 'B', false)).toBe(true);
    for (const f of ['0', 'false', 'No', 'OFF']) expect(readBoolean({ B: f }, 'B', true)).toBe(false);
    expect(readBoolean({}, 'B', true)).toBe(true);
    expect(configError(() => readBoolean({ B: 'maybe' }, 'B', false)).message).toBe("B must be true or false, got 'maybe'");
  });

  it('readEnum returns the allowed spelling and lists the allowed values on a typo', () => {
    const allowed = ['auto', 'on', 'off'] as const;
    expect(readEnum({ E: 'OFF' }, 'E', allowed, 'auto')).toBe('off');
    expect(readEnum({}, 'E', allowed, 'auto')).toBe('auto');
    expect(readEnum({}, 'E', allowed)).toBeUndefined();
    const err = configError(() => readEnum({ E: 'of' }, 'E', allowed, 'auto'));
    expect(err).toMatchObject({ variable: 'E', message: "E must be one of auto, on, off, got 'of'" });
  });

  it('readUrl checks the scheme, refuses credentials, and never echoes a value that may hold a password', () => {
    const o = { protocols: ['http:', 'https:'], example: 'https://x.example' } as const;
    expect(readUrl({ U: 'https://a.example/p' }, 'U', o)).toBe('https://a.example/p');
    expect(readUrl({}, 'U', o)).toBeUndefined();
    expect(configError(() => readUrl({ U: 'a.example' }, 'U', o)).message).toBe(
      "U must be a URL starting with http:// or https:// such as https://x.example, got 'a.example'",
    );
    expect(configError(() => readUrl({ U: 'ftp://a.example' }, 'U', o)).message).toBe("U must start with http:// or https://, got 'ftp:'");
    expect(configError(() => readUrl({ U: 'https://u:pw-123@a.example' }, 'U', o)).message).not.toContain('pw-123');
    const db = { protocols: ['postgres:'], example: 'postgres://db/x', credentials: true } as const;
    expect(readUrl({ D: 'postgres://u:pw@db/x' }, 'D', db)).toBe('postgres://u:pw@db/x');
    expect(configError(() => readUrl({ D: 'pw-456 nonsense' }, 'D', db)).message).not.toContain('pw-456');
  });

  it('readDuration returns milliseconds and refuses units, zero and out-of-range values', () => {
    expect(readDuration({}, 'T_SECONDS', { unit: 's', default: 300, min: 1, max: 3600 })).toBe(300_000);
    expect(readDuration({ T_SECONDS: '2' }, 'T_SECONDS', { unit: 's', default: 300, min: 1, max: 3600 })).toBe(2000);
    expect(readDuration({ T_MS: '250' }, 'T_MS', { unit: 'ms', default: 1, min: 20, max: 1000 })).toBe(250);
    for (const bad of ['0', '5m', '-1', '3601', 'abc']) {
      const err = configError(() => readDuration({ T_SECONDS: bad }, 'T_SECONDS', { unit: 's', default: 300, min: 1, max: 3600 }));
      expect(err.message).toBe(`T_SECONDS must be a positive whole number of seconds from 1 to 3600, got '${bad}'`);
    }
  });

  it('readPath resolves against the working directory', () => {
    expect(readPath({ P: 'rel/dir' }, 'P', '.x')).toBe(resolve('rel/dir'));
    expect(readPath({}, 'P', '.x')).toBe(resolve('.x'));
    expect(readPath({}, 'P')).toBeUndefined();
  });

  it('requireThat throws the ConfigError for the named variable', () => {
    expect(() => requireThat(true, 'V', 'never')).not.toThrow();
    expect(configError(() => requireThat(false, 'V', 'V is wrong'))).toMatchObject({ variable: 'V', message: 'V is wrong', code: 'CONFIG_INVALID' });
  });
});
