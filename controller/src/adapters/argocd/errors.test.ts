import { describe, expect, it } from 'vitest';
import {
  ArgoAppNotFoundError, ArgoAuthError, ArgoOperationInProgressError, ArgoRequestError,
  ArgoRevisionNotTrackedError, ArgoSyncWindowError, ArgoUnavailableError, mapArgoError, mapNetworkError,
} from './errors.js';

const body = (code: number, message: string) => ({ error: message, code, message });

describe('mapArgoError (grpc-gateway runtimeError bodies)', () => {
  const cases: Array<[number, object | string, Function, string, boolean]> = [
    [401, body(16, 'invalid session: token has invalid claims: token is expired'), ArgoAuthError, 'ARGOCD_UNAUTHENTICATED', false],
    [403, body(7, 'permission denied: applications, sync, shop/shop-web, sub: kubidu, iat: 2026-01-01T00:00:00Z'), ArgoAuthError, 'ARGOCD_FORBIDDEN', false],
    [403, body(7, 'Cannot sync: Blocked by sync window'), ArgoSyncWindowError, 'ARGOCD_SYNC_WINDOW', false],
    [403, body(7, 'cannot sync: blocked by sync window'), ArgoSyncWindowError, 'ARGOCD_SYNC_WINDOW', false],
    [404, body(5, 'applications.argoproj.io "shop-web" not found'), ArgoAppNotFoundError, 'ARGOCD_APP_NOT_FOUND', false],
    [400, body(9, 'another operation is already in progress'), ArgoOperationInProgressError, 'ARGOCD_OPERATION_IN_PROGRESS', true],
    [400, body(9, 'Cannot sync to abc: auto-sync currently set to main'), ArgoRevisionNotTrackedError, 'ARGOCD_REVISION_NOT_TRACKED', false],
    [500, body(13, 'rpc error: code = Unavailable'), ArgoUnavailableError, 'ARGOCD_UNAVAILABLE', true],
    [502, '<html>Bad Gateway</html>', ArgoUnavailableError, 'ARGOCD_UNAVAILABLE', true],
    [503, {}, ArgoUnavailableError, 'ARGOCD_UNAVAILABLE', true],
    [415, body(3, 'Unsupported Media Type'), ArgoRequestError, 'ARGOCD_REQUEST_REJECTED', false],
  ];
  it.each(cases)('%i %j', (status, b, cls, code, retryable) => {
    const err = mapArgoError(status, b, { appName: 'shop-web', auth: 'token', action: 'sync' });
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ code, retryable, status });
  });

  it('keeps Argo CD\'s message and says what to fix', () => {
    expect(mapArgoError(404, body(5, 'applications.argoproj.io "shop-web" not found'), { appName: 'shop-web' }).message)
      .toMatch(/^Argo CD application 'shop-web' not found: check ARGOCD_APP_TEMPLATE/);
    // Argo CD's answer for an unknown application when the request names no project (Kubidu never does).
    const unknown = mapArgoError(403, body(7, 'permission denied'), { appName: 'shop-web', action: 'get' });
    expect(unknown).toMatchObject({ code: 'ARGOCD_FORBIDDEN', retryable: false, argoMessage: 'permission denied' });
    expect(unknown.message).toMatch(/^Argo CD answered permission denied or no such application 'shop-web' \(on 'get'\): check ARGOCD_APP_TEMPLATE .* and the account's RBAC/);
    expect(mapArgoError(401, body(16, 'Invalid username or password'), { auth: 'session' }).message).toContain('ARGOCD_USERNAME and ARGOCD_PASSWORD');
    expect(mapArgoError(401, body(16, 'x'), { auth: 'token' }).message).toContain('ARGOCD_TOKEN');
    expect(mapArgoError(403, body(7, 'Cannot sync: Blocked by sync window'), { appName: 'a' }).argoMessage).toBe('Cannot sync: Blocked by sync window');
  });
});

describe('mapNetworkError', () => {
  it('names refusals, timeouts and TLS problems', () => {
    expect(mapNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'http://argo', 1000).message).toBe('Argo CD at http://argo refused the connection');
    expect(mapNetworkError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'http://argo', 15000).message).toBe('Argo CD at http://argo did not answer within 15 s');
    expect(mapNetworkError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'https://argo', 1000).message).toContain('ARGOCD_INSECURE=true');
    expect(mapNetworkError(new Error('x'), 'http://argo', 1).retryable).toBe(true);
  });
});
