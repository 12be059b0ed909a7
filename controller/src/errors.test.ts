import { describe, expect, it } from 'vitest';
import { isRetryable, KubiduControllerError, LeaseLostError, TerminalError } from './errors.js';
import { GitAuthError, GitConflictError, GitError, GitInvalidChangeError, GitRejectedError, GitRemoteUnavailableError, GitRepositoryError } from './adapters/git/errors.js';
import { ArgoAuthError, ArgoUnavailableError } from './adapters/argocd/errors.js';
import { KubernetesSecretError } from './adapters/kubernetes/secrets.js';
import { ManifestRenderError } from './manifests/render.js';

describe('the controller error shape', () => {
  const cases: Array<[Error, string, boolean]> = [
    [new TerminalError('gave up'), 'TERMINAL', false],
    [new TerminalError('x', 'CUSTOM'), 'CUSTOM', false],
    [new LeaseLostError('lost'), 'LEASE_LOST', false],
    [new GitConflictError('a'.repeat(40), 'apps/p/s/x.yaml'), 'GIT_CONFLICT', false],
    [new GitAuthError('no'), 'GIT_AUTH', false],
    [new GitInvalidChangeError('bad path'), 'GIT_INVALID_CHANGE', false],
    [new GitRemoteUnavailableError('down'), 'GIT_REMOTE_UNAVAILABLE', true],
    [new GitRejectedError('non-fast-forward'), 'GIT_REJECTED', true],
    [new GitRepositoryError('missing object'), 'GIT_REPOSITORY', true],
    [new ArgoAuthError('ARGOCD_UNAUTHENTICATED', 'no', { retryable: false }), 'ARGOCD_UNAUTHENTICATED', false],
    [new ArgoUnavailableError('ARGOCD_UNAVAILABLE', '503', { retryable: true }), 'ARGOCD_UNAVAILABLE', true],
    [new KubernetesSecretError('forbidden', false), 'KUBERNETES_SECRET_FAILED', false],
    [new KubernetesSecretError('503', true), 'KUBERNETES_SECRET_FAILED', true],
    [new ManifestRenderError('bad slug'), 'MANIFEST_INVALID', false],
  ];
  it.each(cases)('%s: code %s, retryable %s', (err, code, retryable) => {
    expect(err).toBeInstanceOf(KubiduControllerError);
    expect(err).toMatchObject({ code, retryable });
    expect(isRetryable(err)).toBe(retryable);
    expect(err.name).toBe(err.constructor.name);
  });

  it('keeps the subclass messages and lets GitError stay the git base', () => {
    expect(new GitRejectedError('stale info').message).toBe('the manifests remote rejected the push: stale info');
    expect(new GitAuthError('x')).toBeInstanceOf(GitError);
  });

  it('anything else counts as retryable (resumed, not failed)', () => {
    expect(isRetryable(new Error('boom'))).toBe(true);
    expect(isRetryable('string')).toBe(true);
    expect(isRetryable({ retryable: false })).toBe(true);
  });
});
