import { describe, expect, it } from 'vitest';
import { parseEnvLines } from './useEnvInput.js';

describe('parseEnvLines', () => {
  it('reads KEY=value lines, keeping = inside values and skipping blank lines', () => {
    expect(parseEnvLines('GREETING=hello v1\n\nURL=a=b\n')).toEqual({ ok: true, vars: { GREETING: 'hello v1', URL: 'a=b' } });
    expect(parseEnvLines('')).toEqual({ ok: true, vars: {} });
  });

  it('names the line that is not KEY=value, and a repeated key', () => {
    expect(parseEnvLines('A=1\nnope', 'Secrets')).toEqual({ ok: false, message: 'Secrets, line 2: write KEY=value (got "nope").' });
    expect(parseEnvLines('A=1\nA=2')).toEqual({ ok: false, message: 'Env, line 2: A is set twice.' });
  });
});
