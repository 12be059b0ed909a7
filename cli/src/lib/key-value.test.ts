import { describe, expect, it } from 'vitest';
import { parseKeyValues } from './key-value.js';
import { deployBody } from '../commands/deploy/deploy.js';

describe('parseKeyValues', () => {
  it('splits on the first "=" only, so values may contain "="', () => {
    expect(parseKeyValues(['A=1', 'URL=postgres://u:p@db/app?ssl=true&x=y', 'B64=YWJj==', 'EMPTY='], 'env')).toEqual({
      A: '1',
      URL: 'postgres://u:p@db/app?ssl=true&x=y',
      B64: 'YWJj==',
      EMPTY: '',
    });
  });

  it('treats numbers yargs may hand over as strings', () => {
    // `--env 42` reaches us as the number 42: a usage error naming it, not a TypeError.
    let err: unknown;
    try {
      parseKeyValues(['A=1', 42], 'env');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'USAGE', exitCode: 2, message: '--env expects KEY=VALUE, got "42"' });
    expect(parseKeyValues([], 'env')).toEqual({});
    expect(parseKeyValues(undefined, 'env')).toEqual({});
  });

  it('rejects a missing key, a bad key and a repeated key with exit code 2', () => {
    for (const bad of [['NOEQUALS'], ['=value'], ['1BAD=x'], ['A-B=x'], ['A=1', 'A=2']]) {
      let err: unknown;
      try {
        parseKeyValues(bad, 'env');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'USAGE', exitCode: 2 });
    }
  });

  it('never echoes a secret value in its error', () => {
    expect(() => parseKeyValues(['hunter2hunter2'], 'secret')).toThrow(/without a key/);
    try {
      parseKeyValues(['hunter2hunter2'], 'secret');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('hunter2');
    }
  });
});

describe('deployBody', () => {
  it('maps flags to the API body', () => {
    expect(
      deployBody({
        apiUrl: 'x',
        image: 'acme/api:1.5',
        env: ['LOG=info'],
        secret: ['DB=postgres://a=b'],
        port: 3000,
        replicas: 2,
        cpu: '500m',
        memory: '256Mi',
        message: 'ship it',
      }),
    ).toEqual({
      image: 'acme/api:1.5',
      env: { LOG: 'info' },
      secrets: { DB: 'postgres://a=b' },
      port: 3000,
      replicas: 2,
      cpuLimit: '500m',
      memoryLimit: '256Mi',
      commitMessage: 'ship it',
    });
    expect(deployBody({ apiUrl: 'x', image: 'a:1' })).toEqual({ image: 'a:1' });
  });

  it('refuses numbers that are not whole (yargs gives NaN for --replicas abc)', () => {
    expect(() => deployBody({ apiUrl: 'x', image: 'a:1', replicas: Number('abc') })).toThrow(/--replicas must be a whole number/);
    expect(() => deployBody({ apiUrl: 'x', image: 'a:1', port: 80.5 })).toThrow(/--port/);
  });

  it('refuses a key given as both env and secret', () => {
    expect(() => deployBody({ apiUrl: 'x', image: 'a:1', env: ['K=1'], secret: ['K=2'] })).toThrow(/both --env and --secret/);
  });

  it('--unset and --replace-env: keys to remove, or the given env as the whole set', () => {
    expect(deployBody({ apiUrl: 'x', image: 'a:1', unset: ['OLD', 'OLD', 'GONE'] })).toEqual({ image: 'a:1', unset: ['OLD', 'GONE'] });
    expect(deployBody({ apiUrl: 'x', image: 'a:1', env: ['A=1'], replaceEnv: true })).toEqual({ image: 'a:1', env: { A: '1' }, replaceEnv: true });
    expect(() => deployBody({ apiUrl: 'x', image: 'a:1', env: ['K=1'], unset: ['K'] })).toThrow(/K given both to --unset and to --env\/--secret/);
    expect(() => deployBody({ apiUrl: 'x', image: 'a:1', unset: ['K'], replaceEnv: true })).toThrow(/--unset has no meaning with --replace-env/);
    expect(() => deployBody({ apiUrl: 'x', image: 'a:1', unset: ['1K'] })).toThrow(/--unset key "1K" must match/);
  });
});
