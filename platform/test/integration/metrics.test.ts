/**
 * /metrics after real deploys and a real rollback on the live stack (API,
 * in-process controller, Postgres, git smart-HTTP remote), scraped over HTTP
 * from the metrics listener: the counters and histograms moved, the queue gauge
 * reads the database, and the process defaults are there. The sync step is a
 * small hand-written runner standing in for Argo CD (it takes a moment, so the
 * sync histogram has something to measure).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncRunner } from '@kubidu/controller/reconcile/deploy-one';
import { startMetricsServer, type MetricsServer } from '@kubidu/core/metrics/server';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { waitFor } from '../../../test-support/wait.js';

const slowSync: SyncRunner = {
  appNameFor: (project, service) => `${project}.${service}`,
  async run(input) {
    // 60 ms, and the test asserts at least 50 ms per sync: a timer may fire a little before its
    // delay as performance.now() counts it (3 × 49.95 ms once failed a 0.15 s bound in CI).
    await new Promise((r) => setTimeout(r, 60));
    return { outcome: 'RUNNING', message: 'Synced and Healthy', syncedRevision: input.commitSha };
  },
};

let stack: TestStack;
let server: MetricsServer;
beforeAll(async () => {
  stack = await startTestStack({ sync: slowSync, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '3600' } });
  server = await startMetricsServer(stack.metrics.registry, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  await stack?.stop();
});

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('GET /metrics on the metrics port', () => {
  it('counts deploys and a rollback, times pushes, syncs and the rollback, reads the queue', async () => {
    const before = await (await fetch(server.url)).text();
    expect(sample(before, 'kubidu_deployments_total', 'source="ROLLBACK",status="RUNNING"')).toBeUndefined();

    const { token } = await stack.register();
    const project = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Metrics' });
    const service = await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'api', port: 3000 });
    const sid = service.body.id;
    type Row = { id: string; status: string };
    const deploy = async (image: string) => {
      const r = await stack.request<Row>('POST', `/api/services/${sid}/deployments`, token, { image });
      expect(r.status).toBe(202);
      return waitFor(`${image} RUNNING`, async () => (await stack.request<Row>('GET', `/api/deployments/${r.body.id}`, token)).body, {
        until: (d) => d.status === 'RUNNING',
      });
    };
    const v1 = await deploy('registry.example.com/m/api:1');
    await deploy('registry.example.com/m/api:2');
    const rb = await stack.request<Row>('POST', `/api/deployments/${v1.id}/rollback`, token, {});
    expect(rb.status).toBe(202);
    await waitFor('rollback RUNNING', async () => (await stack.request<Row>('GET', `/api/deployments/${rb.body.id}`, token)).body, {
      until: (d) => d.status === 'RUNNING',
    });

    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'kubidu_deployments_total', 'source="API",status="RUNNING"')).toBe(2);
    expect(sample(text, 'kubidu_deployments_total', 'source="ROLLBACK",status="RUNNING"')).toBe(1);
    expect(sample(text, 'kubidu_rollback_duration_seconds_count', 'status="RUNNING"')).toBe(1);
    expect(sample(text, 'kubidu_rollback_duration_seconds_sum', 'status="RUNNING"')).toBeGreaterThan(0.05);
    expect(sample(text, 'kubidu_git_push_duration_seconds_count')).toBe(3);
    expect(sample(text, 'kubidu_git_push_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'kubidu_git_push_retries_total')).toBe(0);
    expect(sample(text, 'kubidu_argocd_sync_duration_seconds_count')).toBe(3);
    expect(sample(text, 'kubidu_argocd_sync_duration_seconds_sum')).toBeGreaterThanOrEqual(0.15);
    expect(sample(text, 'kubidu_queue_depth')).toBe(0);
    expect(text).toContain('# TYPE kubidu_git_import_lag_seconds gauge');
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });

  it('the queue gauge reads QUEUED rows at scrape time', async () => {
    await stack.controller!.stop();
    const { token } = await stack.register();
    const project = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Queued' });
    const service = await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'web', port: 3000 });
    expect((await stack.request('POST', `/api/services/${service.body.id}/deployments`, token, { image: 'r.example.com/q:1' })).status).toBe(202);
    expect(sample(await (await fetch(server.url)).text(), 'kubidu_queue_depth')).toBe(1);
  });

  it('the metrics port serves /metrics only', async () => {
    expect((await fetch(server.url.replace('/metrics', '/api/projects'))).status).toBe(404);
  });
});
