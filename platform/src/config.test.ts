import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ConfigError, type Env } from '@kubidu/core/config/env';
import { loadPlatformConfig } from './config.js';

function failure(env: Env): ConfigError {
  try {
    loadPlatformConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadPlatformConfig (npm start: the API and the in-process controller)', () => {
  it('defaults, with the in-process controller on the embedded database', () => {
    const c = loadPlatformConfig({});
    expect(c.api).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      databaseUrl: undefined,
      dataDir: resolve('.kubidu'),
      jwtTtlSeconds: 43_200,
      corsOrigins: [],
      runController: true,
      logLevel: 'info',
      manifestsBranch: 'main',
    });
    expect(c.controller).toMatchObject({ dataDir: resolve('.kubidu'), embedded: true, pollMs: 250 });
  });

  it('composes the controller settings from the same environment, and skips them with KUBIDU_CONTROLLER=off', () => {
    const c = loadPlatformConfig({ DATABASE_URL: 'postgres://db/k', KUBIDU_DATA_DIR: 'd', KUBIDU_GIVE_UP_SECONDS: '90', LOG_LEVEL: 'debug' });
    expect(c.api.logLevel).toBe('debug');
    expect(c.controller).toMatchObject({ dataDir: resolve('d'), embedded: false, giveUpAfterMs: 90_000 });
    const off = loadPlatformConfig({ KUBIDU_CONTROLLER: 'off', KUBIDU_GIVE_UP_SECONDS: 'not read when off' });
    expect(off).toMatchObject({ api: { runController: false }, controller: undefined });
  });

  const typos: Array<[Env, string, RegExp]> = [
    [{ PORT: '80a' }, 'PORT', /PORT must be an integer between 0 and 65535, got '80a'/],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'verbose'/],
    [{ KUBIDU_CONTROLLER: 'of' }, 'KUBIDU_CONTROLLER', /KUBIDU_CONTROLLER must be one of inline, off, got 'of'/],
    [{ KUBIDU_TOKEN_TTL_SECONDS: '10' }, 'KUBIDU_TOKEN_TTL_SECONDS', /from 60 to 7776000, got '10'/],
    [{ DATABASE_URL: 'mysql://db/k' }, 'DATABASE_URL', /must start with postgres:\/\/ or postgresql:\/\//],
    [{ KUBIDU_ENCRYPTION_KEY: 'short' }, 'KUBIDU_ENCRYPTION_KEY', /32 bytes/],
    [{ MANIFESTS_BRANCH: 'bad branch' }, 'MANIFESTS_BRANCH', /not a valid branch name/],
    // The in-process controller's settings fail the API's start too.
    [{ KUBIDU_GIVE_UP_SECONDS: 'abc' }, 'KUBIDU_GIVE_UP_SECONDS', /got 'abc'/],
    [{ KUBIDU_KUBERNETES: 'maybe' }, 'KUBIDU_KUBERNETES', /one of auto, on, off/],
  ];
  it.each(typos)('%j → CONFIG_INVALID naming %s', (env, variable, message) => {
    const err = failure(env);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', variable });
    expect(err.message).toMatch(message);
  });
});
