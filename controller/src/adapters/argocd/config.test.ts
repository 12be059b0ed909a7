import { describe, expect, it } from 'vitest';
import { ConfigError } from '@kubidu/core/config/env';
import { loadArgoConfig } from './config.js';

describe('loadArgoConfig', () => {
  it('defaults to no sync without ARGOCD_URL', () => {
    expect(loadArgoConfig({})).toEqual({
      syncMode: 'none', url: undefined, token: undefined, username: undefined, password: undefined,
      insecure: false, appTemplate: '{project}.{service}', degradedGraceMs: 60_000, namespace: 'argocd', deadlineMs: 300_000,
    });
  });

  it('defaults to the API with ARGOCD_URL and reads every setting', () => {
    const c = loadArgoConfig({
      ARGOCD_URL: 'https://argocd.example.com', ARGOCD_TOKEN: 'tok', ARGOCD_INSECURE: 'true',
      ARGOCD_APP_TEMPLATE: 'prod-{project}.{service}', ARGOCD_NAMESPACE: 'gitops', KUBIDU_SYNC_DEADLINE_SECONDS: '120',
    });
    expect(c).toMatchObject({ syncMode: 'argocd-api', token: 'tok', insecure: true, appTemplate: 'prod-{project}.{service}', namespace: 'gitops', deadlineMs: 120_000 });
  });

  it('allows kubernetes mode without URL or token', () => {
    expect(loadArgoConfig({ KUBIDU_SYNC: 'kubernetes' }).syncMode).toBe('kubernetes');
  });

  const bad: Array<[Record<string, string>, string, RegExp]> = [
    [{ KUBIDU_SYNC: 'argo' }, 'KUBIDU_SYNC', /one of argocd-api, kubernetes, none/],
    [{ KUBIDU_SYNC: 'argocd-api' }, 'ARGOCD_URL', /needs ARGOCD_URL/],
    [{ ARGOCD_URL: 'argocd.example.com', ARGOCD_TOKEN: 't' }, 'ARGOCD_URL', /http\(s\) URL|http:\/\/ or https/],
    [{ ARGOCD_URL: 'https://admin:pw@argocd.example.com', ARGOCD_TOKEN: 't' }, 'ARGOCD_URL', /must not contain credentials/],
    [{ ARGOCD_URL: 'https://argocd.example.com' }, 'ARGOCD_TOKEN', /ARGOCD_TOKEN.*or ARGOCD_USERNAME and ARGOCD_PASSWORD/],
    [{ ARGOCD_URL: 'https://a', ARGOCD_USERNAME: 'kubidu', ARGOCD_TOKEN: 't' }, 'ARGOCD_PASSWORD', /set together/],
    [{ ARGOCD_INSECURE: 'maybe' }, 'ARGOCD_INSECURE', /true or false/],
    [{ ARGOCD_APP_TEMPLATE: '{project}-{svc}' }, 'ARGOCD_APP_TEMPLATE', /only use \{project\} and \{service\}/],
    [{ ARGOCD_APP_TEMPLATE: '{project}' }, 'ARGOCD_APP_TEMPLATE', /must contain \{project\} and \{service\} once each/],
    [{ ARGOCD_APP_TEMPLATE: '{service}.{service}' }, 'ARGOCD_APP_TEMPLATE', /once each/],
    [{ ARGOCD_APP_TEMPLATE: '{project}-{service}' }, 'ARGOCD_APP_TEMPLATE', /with a '\.'.*would collide/],
    [{ ARGOCD_APP_TEMPLATE: '{project}--{service}' }, 'ARGOCD_APP_TEMPLATE', /with a '\.'/],
    [{ ARGOCD_APP_TEMPLATE: 'Prod_{project}.{service}' }, 'ARGOCD_APP_TEMPLATE', /Kubernetes name/],
    [{ ARGOCD_NAMESPACE: 'Argo CD' }, 'ARGOCD_NAMESPACE', /namespace name/],
    [{ KUBIDU_SYNC_DEADLINE_SECONDS: '0' }, 'KUBIDU_SYNC_DEADLINE_SECONDS', /positive whole number/],
    [{ KUBIDU_SYNC_DEADLINE_SECONDS: '5m' }, 'KUBIDU_SYNC_DEADLINE_SECONDS', /positive whole number/],
  ];
  it.each(bad)('%j → ConfigError on %s', (env, variable, message) => {
    const err = (() => { try { loadArgoConfig(env); } catch (e) { return e; } })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
  });

  it('never puts a password in a message', () => {
    const err = (() => { try { loadArgoConfig({ ARGOCD_URL: 'https://a', ARGOCD_PASSWORD: 's3cret-value' }); } catch (e) { return e as Error; } })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).not.toContain('s3cret-value');
  });
});
