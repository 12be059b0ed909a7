import { describe, expect, it } from 'vitest';
import type * as k8s from '@kubernetes/client-node';
import { createSecretsWriter, KubernetesSecretError } from './secrets.js';

/** Records what the Kubernetes API would be asked to create (no cluster on this machine). */
function recordingApi() {
  const calls: Array<{ namespace: string; name: string }> = [];
  const api = {
    async createNamespacedSecret(req: { namespace: string; body: { metadata: { name: string } } }) {
      calls.push({ namespace: req.namespace, name: req.body.metadata.name });
      return {};
    },
  } as unknown as k8s.CoreV1Api;
  return { api, calls };
}

describe('the Secret writer', () => {
  it('creates a Secret only in prefix + project slug (issue 16: never kube-system or argocd)', async () => {
    const { api, calls } = recordingApi();
    const w = createSecretsWriter(api, 'kubidu-');
    await w.ensureSecret('web-secrets-abc', { A: '1' }, { 'kubidu.dev/project': 'shop', 'kubidu.dev/service': 'web' });
    await w.ensureSecret('dns-secrets-abc', { A: '1' }, { 'kubidu.dev/project': 'kube-system', 'kubidu.dev/service': 'dns' });
    expect(calls).toEqual([
      { namespace: 'kubidu-shop', name: 'web-secrets-abc' },
      { namespace: 'kubidu-kube-system', name: 'dns-secrets-abc' },
    ]);
  });

  it('refuses a Secret without a project instead of guessing a namespace (it used to be "default")', async () => {
    const { api, calls } = recordingApi();
    const err = await createSecretsWriter(api, 'kubidu-').ensureSecret('x', { A: '1' }, {}).catch((e) => e);
    expect(err).toBeInstanceOf(KubernetesSecretError);
    expect(err.retryable).toBe(false);
    expect(calls).toEqual([]);
  });
});
