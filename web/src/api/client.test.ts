import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient, toApiError } from './client.js';
import { NO_LINKS } from '@kubidu/core/contract/links';
import { fakeFetch } from '../../test/support/fixtures.js';

describe('toApiError', () => {
  it('keeps the contract code and message, fills in words when missing, hides 5xx internals', () => {
    expect(toApiError(400, { code: 'VALIDATION_ERROR', message: 'body/image must be an OCI image reference' })).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: 'body/image must be an OCI image reference',
      status: 400,
    });
    expect(toApiError(403, undefined)).toMatchObject({ code: 'FORBIDDEN', message: 'You do not have permission to do that.' });
    expect(toApiError(500, { code: 'INTERNAL', message: 'TypeError at foo.ts:12' }).message).toBe('Something went wrong on the server.');
  });
});

describe('createApiClient', () => {
  it('sends the bearer token and JSON, and unwraps lists', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/projects': () => ({ status: 200, body: { items: [{ id: 'p' }] } }) });
    const api = createApiClient({ fetch, getToken: () => 'secret-token' });
    expect(await api.listProjects()).toEqual([{ id: 'p' }]);
    expect(calls[0].headers.authorization).toBe('Bearer secret-token');
  });

  it('turns a failed fetch into NETWORK_ERROR in words', async () => {
    const api = createApiClient({ fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch, getToken: () => null });
    const err = await api.me().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
    expect(err.message).toMatch(/Could not reach the server/);
  });

  it('calls onUnauthorized on a 401 with a token, and reads an absent /api/config as empty', async () => {
    let signedOut = 0;
    const { fetch } = fakeFetch({ 'GET /api/me': () => ({ status: 401, body: { code: 'UNAUTHORIZED', message: 'Unauthorized' } }) });
    const api = createApiClient({ fetch, getToken: () => 'old', onUnauthorized: () => signedOut++ });
    await expect(api.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(signedOut).toBe(1);
    expect(await api.config()).toEqual(NO_LINKS);
  });
});
