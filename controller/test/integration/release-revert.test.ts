/**
 * `git revert` of a release commit (issue 20, item 2, seen from the fourth door): the one commit
 * touched every folder of the release, so its revert is one hand commit that changes them all
 * back. Each service's GIT row must name the release row of its own service as what it reverts
 * (the commit carries one `Kubidu-Deployment` trailer per row, not one for the whole), and each
 * service's hold — set by its release row — is lifted, as a revert of a single rollback does.
 * Real API and controller, real Postgres, the embedded bare manifests repo and the git CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';

interface Row { id: string; status: string; source: string; imageUrl: string; revertsDeploymentId: string | null; releaseId?: string | null }

let stack: TestStack;
let token: string;
const ids: Record<string, string> = {};

const ended = (id: string) =>
  waitFor(`deployment ${id}`, async () => (await stack.request<Row>('GET', `/api/deployments/${id}`, token)).body, {
    until: (r) => r.status === 'RUNNING' || r.status === 'FAILED',
    timeoutMs: 60_000,
    intervalMs: 50,
  });

async function deploy(service: string, version: string) {
  const r = await stack.request<Row>('POST', `/api/services/${ids[service]}/deployments`, token, { image: `ghcr.io/acme/${service}:${version}`, override: true });
  expect(r.status).toBe(202);
  expect((await ended(r.body.id)).status).toBe('RUNNING');
}

beforeAll(async () => {
  stack = await startTestStack({ sync: null, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '1' } });
  token = (await stack.register()).token;
  const projectId = (await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Shop' })).body.id;
  for (const s of ['a', 'b', 'c']) ids[s] = (await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, token, { name: s })).body.id;
  ids.project = projectId;
});

afterAll(async () => {
  await stack?.stop();
});

describe('git revert of a release commit', () => {
  it('is one GIT row per service, each reverting its own service’s release row, and every hold is lifted', { timeout: 180_000 }, async () => {
    for (const s of ['a', 'b', 'c']) await deploy(s, '1.0.0');
    await new Promise((r) => setTimeout(r, 50));
    const at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    for (const s of ['a', 'b', 'c']) await deploy(s, '2.0.0');

    const rel = await stack.request<{ id: string; deployments: Array<{ id: string; service: string }> }>('POST', `/api/projects/${ids.project}/rollback`, token, { at, reason: '2.0.0 broke checkout' });
    expect(rel.status).toBe(202);
    const rows = Object.fromEntries(rel.body.deployments.map((d) => [d.service, d.id]));
    for (const id of Object.values(rows)) expect((await ended(id)).status).toBe('RUNNING');
    for (const s of ['a', 'b', 'c']) {
      expect((await stack.request<{ code: string }>('POST', `/api/services/${ids[s]}/deployments`, token, { image: `ghcr.io/acme/${s}:9.9.9` })).body.code).toBe('DEPLOY_HELD');
    }

    // A person reverts the release commit with git.
    const wt = await cloneFresh(stack.manifestsUrl);
    try {
      await gitCli(wt, 'revert', '--no-edit', 'HEAD');
      await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
    } finally {
      rmSync(wt, { recursive: true, force: true });
    }

    for (const s of ['a', 'b', 'c']) {
      const git = await waitFor(`the GIT row of ${s}`, async () => {
        const list = (await stack.request<{ items: Row[] }>('GET', `/api/services/${ids[s]}/deployments`, token)).body.items;
        return list.find((d) => d.source === 'GIT');
      }, { until: (r) => !!r, timeoutMs: 60_000, intervalMs: 100 });
      expect(git!.imageUrl).toBe(`ghcr.io/acme/${s}:2.0.0`);
      expect(git!.revertsDeploymentId).toBe(rows[s]);
      // The hold the release row set is lifted: a deploy is accepted again.
      const r = await stack.request<{ id: string; code?: string }>('POST', `/api/services/${ids[s]}/deployments`, token, { image: `ghcr.io/acme/${s}:3.0.0` });
      expect(r.status).toBe(202);
      await ended(r.body.id);
    }
  });
});
