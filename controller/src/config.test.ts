import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { ConfigError, type Env } from '@kubidu/core/config/env';
import { loadControllerConfig, loadControllerProcessConfig } from './config.js';
import { DEFAULT_TEMPLATE_DIR } from './manifests/template.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

/** The ConfigError loading `env` throws. */
function failure(env: Env, load: (env: Env) => unknown = (e) => loadControllerConfig(e, '/data')): ConfigError {
  try {
    load(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadControllerConfig', () => {
  it('defaults: embedded bare repo under the data dir, no sync, Kubernetes auto, the checkout templates', () => {
    const c = loadControllerConfig({}, 'rel-data');
    const dataDir = resolve('rel-data');
    expect(c).toMatchObject({
      dataDir,
      embedded: false,
      encryptionKey: undefined,
      manifestsUrl: join(dataDir, 'manifests.git'),
      manifestsIsLocal: true,
      branch: 'main',
      cacheDir: join(dataDir, 'controller-cache'),
      manifestsTemplateDir: DEFAULT_TEMPLATE_DIR,
      pollMs: 2000,
      leaseMs: 30_000,
      retryBaseMs: 500,
      retryMaxMs: 15_000,
      giveUpAfterMs: 1_800_000,
      claimBatch: 20,
      bot: { name: 'Kubidu', email: 'bot@kubidu.local' },
      gitPollMs: 15_000,
      pushBatch: 64,
      argo: { syncMode: 'none', namespace: 'argocd', deadlineMs: 300_000 },
      kubernetes: { mode: 'auto', clusterConfigured: false, namespacePrefix: 'kubidu-' },
    });
    expect(loadControllerConfig({}, '/d', true).pollMs).toBe(250);
  });

  it('reads every setting it is given', () => {
    const c = loadControllerConfig(
      {
        KUBIDU_ENCRYPTION_KEY: KEY,
        MANIFESTS_REPO_URL: 'https://git.example.com/m.git',
        MANIFESTS_BRANCH: 'prod',
        MANIFESTS_USERNAME: 'u',
        MANIFESTS_PASSWORD: 'p',
        KUBIDU_MANIFESTS_TEMPLATE_DIR: 'tpl',
        KUBIDU_WORKER_ID: 'w1',
        KUBIDU_GIVE_UP_SECONDS: '60',
        KUBIDU_BOT_NAME: 'Robot',
        KUBIDU_BOT_EMAIL: 'robot@example.com',
        KUBIDU_SYNC: 'kubernetes',
        KUBIDU_SYNC_DEADLINE_SECONDS: '45',
        ARGOCD_NAMESPACE: 'gitops',
        KUBIDU_KUBERNETES: 'OFF',
        KUBIDU_NAMESPACE_PREFIX: 'apps-',
        KUBECONFIG: '/k',
      },
      '/data',
    );
    expect(c).toMatchObject({
      encryptionKey: KEY,
      manifestsUrl: 'https://git.example.com/m.git',
      manifestsIsLocal: false,
      branch: 'prod',
      auth: { username: 'u', password: 'p', token: undefined },
      manifestsTemplateDir: resolve('tpl'),
      workerId: 'w1',
      giveUpAfterMs: 60_000,
      bot: { name: 'Robot', email: 'robot@example.com' },
      argo: { syncMode: 'kubernetes', namespace: 'gitops', deadlineMs: 45_000 },
      kubernetes: { mode: 'off', clusterConfigured: true, namespacePrefix: 'apps-' },
    });
  });

  // The typos issue 14 names: each used to become NaN, a silent default, or a failure much later.
  const typos: Array<[Env, string, RegExp]> = [
    [{ KUBIDU_GIVE_UP_SECONDS: '30m' }, 'KUBIDU_GIVE_UP_SECONDS', /KUBIDU_GIVE_UP_SECONDS must be a positive whole number of seconds .*got '30m'/],
    [{ KUBIDU_GIVE_UP_SECONDS: '0' }, 'KUBIDU_GIVE_UP_SECONDS', /got '0'/],
    [{ KUBIDU_KUBERNETES: 'yes' }, 'KUBIDU_KUBERNETES', /KUBIDU_KUBERNETES must be one of auto, on, off, got 'yes'/],
    [{ KUBIDU_SYNC: 'argocd' }, 'KUBIDU_SYNC', /KUBIDU_SYNC must be one of argocd-api, kubernetes, none, got 'argocd'/],
    [{ KUBIDU_SYNC_DEADLINE_SECONDS: '5m' }, 'KUBIDU_SYNC_DEADLINE_SECONDS', /positive whole number of seconds.*got '5m'/],
    [{ ARGOCD_URL: 'argocd.local', ARGOCD_TOKEN: 't' }, 'ARGOCD_URL', /ARGOCD_URL must be a URL starting with http:\/\/ or https:\/\/.*got 'argocd.local'/],
    [{ ARGOCD_INSECURE: 'ture' }, 'ARGOCD_INSECURE', /ARGOCD_INSECURE must be true or false, got 'ture'/],
    [{ ARGOCD_NAMESPACE: 'Argo_CD' }, 'ARGOCD_NAMESPACE', /ARGOCD_NAMESPACE must be a Kubernetes namespace name.*got 'Argo_CD'/],
    [{ KUBIDU_BOT_EMAIL: 'kubidu' }, 'KUBIDU_BOT_EMAIL', /KUBIDU_BOT_EMAIL must be an email address.*got 'kubidu'/],
    [{ KUBIDU_BOT_NAME: 'Kubidu <bot>' }, 'KUBIDU_BOT_NAME', /KUBIDU_BOT_NAME must be a plain name.*got 'Kubidu <bot>'/],
    [{ KUBIDU_POLL_MS: '2s' }, 'KUBIDU_POLL_MS', /KUBIDU_POLL_MS must be .* milliseconds from 20 to 600000, got '2s'/],
    [{ KUBIDU_CLAIM_BATCH: '0' }, 'KUBIDU_CLAIM_BATCH', /KUBIDU_CLAIM_BATCH must be an integer between 1 and 500, got '0'/],
    [{ KUBIDU_NAMESPACE_PREFIX: 'Apps_' }, 'KUBIDU_NAMESPACE_PREFIX', /must be 1-30 lower-case letters.*got 'Apps_'/],
    [{ KUBIDU_NAMESPACE_PREFIX: 'kube-' }, 'KUBIDU_NAMESPACE_PREFIX', /reserved namespaces/],
    [{ ARGOCD_APP_TEMPLATE: '{project}-{service}' }, 'ARGOCD_APP_TEMPLATE', /separate \{project\} and \{service\} with a '\.'/],
    [{ MANIFESTS_REPO_URL: 'git@host:org/repo' }, 'MANIFESTS_REPO_URL', /http\(s\) URL or an absolute path.*got 'git@host:org\/repo'/],
    [{ MANIFESTS_BRANCH: 'a..b' }, 'MANIFESTS_BRANCH', /not a valid branch name/],
    [{ KUBIDU_ENCRYPTION_KEY: 'too-short' }, 'KUBIDU_ENCRYPTION_KEY', /32 bytes/],
  ];
  it.each(typos)('%j → CONFIG_INVALID naming %s', (env, variable, message) => {
    const err = failure(env);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
  });

  it('never echoes a secret in an error', () => {
    expect(failure({ KUBIDU_ENCRYPTION_KEY: 'hunter2-secret' }).message).not.toContain('hunter2');
    expect(failure({ MANIFESTS_REPO_URL: 'ftp://u:hunter2@host/r' }).message).not.toContain('hunter2');
  });
});

describe('loadControllerProcessConfig (npm run controller)', () => {
  const load = (env: Env) => loadControllerProcessConfig(env);

  it('reads the database, pool, data dir and fault point on top of the reconciler settings', () => {
    const c = loadControllerProcessConfig({
      DATABASE_URL: 'postgres://k:pw@db:5432/kubidu',
      KUBIDU_DB_POOL: '3',
      KUBIDU_DATA_DIR: 'some-dir',
      KUBIDU_FAULT_PAUSE_AT: 'after-push',
    });
    expect(c).toMatchObject({ databaseUrl: 'postgres://k:pw@db:5432/kubidu', dbPool: 3, faultPauseAt: 'after-push' });
    expect(c.controller.dataDir).toBe(resolve('some-dir'));
    expect(loadControllerProcessConfig({})).toMatchObject({ databaseUrl: undefined, dbPool: 5, faultPauseAt: null });
    expect(loadControllerProcessConfig({}).controller.dataDir).toBe(resolve('.kubidu'));
  });

  const typos: Array<[Env, string, RegExp]> = [
    [{ KUBIDU_DB_POOL: 'five' }, 'KUBIDU_DB_POOL', /KUBIDU_DB_POOL must be an integer between 1 and 200, got 'five'/],
    [{ KUBIDU_DB_POOL: '0' }, 'KUBIDU_DB_POOL', /got '0'/],
    [{ KUBIDU_FAULT_PAUSE_AT: 'after-psuh' }, 'KUBIDU_FAULT_PAUSE_AT', /KUBIDU_FAULT_PAUSE_AT must be one of after-claim, after-commit-written, after-push, watching-sync, got 'after-psuh'/],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL', /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/, got 'mysql:'/],
  ];
  it.each(typos)('%j → CONFIG_INVALID naming %s', (env, variable, message) => {
    const err = failure(env, load);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', variable });
    expect(err.message).toMatch(message);
  });

  it('a DATABASE_URL that does not parse is refused without echoing it (it may hold a password)', () => {
    const err = failure({ DATABASE_URL: 'k:hunter2 at db' }, load);
    expect(err.variable).toBe('DATABASE_URL');
    expect(err.message).not.toContain('hunter2');
  });
});
