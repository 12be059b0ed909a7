import { describe, expect, it } from 'vitest';
import { argocdAppUrl, commitUrl } from './useConfig.js';

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
