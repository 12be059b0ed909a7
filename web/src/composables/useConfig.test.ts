import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../api/client.js';
import { fakeFetch } from '../../test/support/fixtures.js';
import { argocdAppUrl, commitUrl, useConfig } from './useConfig.js';

describe('commitUrl', () => {
  const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
  it('fills the template, or gives null so the sha stays plain text', () => {
    expect(commitUrl('https://git.example.com/m/-/commit/{sha}', sha)).toBe(`https://git.example.com/m/-/commit/${sha}`);
    expect(commitUrl(null, sha)).toBeNull();
    expect(commitUrl('https://x/{sha}', null)).toBeNull();
  });
  it('refuses non-http links and non-sha input', () => {
    expect(commitUrl('javascript:alert({sha})', sha)).toBeNull();
    expect(commitUrl('https://x/{sha}', '"><script>')).toBeNull();
  });
});

describe('argocdAppUrl', () => {
  it('fills project and service', () => {
    expect(argocdAppUrl('https://argo.example.com/applications/argocd/{project}-{service}', 'shop', 'web')).toBe(
      'https://argo.example.com/applications/argocd/shop-web',
    );
    expect(argocdAppUrl(undefined, 'a', 'b')).toBeNull();
  });
});

describe('useConfig', () => {
  it('fills in what GET /api/config answers, so shas and services become links', async () => {
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const { fetch, calls } = fakeFetch({
      'GET /api/config': () => ({
        status: 200,
        body: {
          commitUrlTemplate: 'https://git.example.com/org/manifests/commit/{sha}',
          argocdUrl: 'https://argo.example.com',
          argocdAppUrlTemplate: 'https://argo.example.com/applications/argocd/{project}-{service}',
        },
      }),
    });
    const config = useConfig(createApiClient({ fetch, getToken: () => 'tok' }));
    expect(commitUrl(config.value.commitUrlTemplate, sha)).toBeNull(); // plain text until the API answers
    await vi.waitFor(() => expect(config.value.commitUrlTemplate).not.toBeNull());
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/config', headers: { authorization: 'Bearer tok' } });
    expect(commitUrl(config.value.commitUrlTemplate, sha)).toBe(`https://git.example.com/org/manifests/commit/${sha}`);
    expect(argocdAppUrl(config.value.argocdAppUrlTemplate, 'shop', 'web')).toBe('https://argo.example.com/applications/argocd/shop-web');
  });
});
