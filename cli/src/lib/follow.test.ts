import { describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.js';
import type { Deps } from './deps.js';
import { followDeployment } from './follow.js';

const ID = '3f2a9c1d-0000-4000-8000-000000000001';

/** A fetch that answers GET /api/deployments/:id with the given statuses in turn. */
function scriptedFetch(steps: { status: string; statusMessage?: string | null }[]): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  let i = 0;
  const f = (async (url: URL | string) => {
    calls.push(String(url));
    const s = steps[Math.min(i++, steps.length - 1)];
    return new Response(JSON.stringify({ id: ID, status: s.status, statusMessage: s.statusMessage ?? null, env: [] }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { fetch: f, calls };
}

function deps(clock: { t: number }, log: string[]): Deps {
  return {
    stdout: { write: () => true },
    stderr: { write: () => true },
    interactive: false,
    env: {},
    cwd: '/',
    homedir: '/',
    fetch,
    prompts: {} as Deps['prompts'],
    spinner: () => ({
      start: (t) => log.push(`start ${t}`),
      update: (t) => log.push(`update ${t}`),
      succeed: (t) => log.push(`succeed ${t}`),
      fail: (t) => log.push(`fail ${t}`),
      stop: () => log.push('stop'),
    }),
    sleep: async (ms) => {
      clock.t += ms;
    },
    now: () => new Date(clock.t),
    pollIntervalMs: 1000,
    readStdin: async () => '',
  };
}

describe('followDeployment (--wait)', () => {
  it('polls until RUNNING and returns the row without env', async () => {
    const { fetch: f, calls } = scriptedFetch([{ status: 'QUEUED' }, { status: 'DEPLOYING' }, { status: 'RUNNING', statusMessage: 'Synced' }]);
    const log: string[] = [];
    const row = await followDeployment(new ApiClient({ baseUrl: 'http://api', token: 't', fetch: f }), ID, deps({ t: 0 }, log), 60);
    expect(row).toMatchObject({ id: ID, status: 'RUNNING' });
    expect(row).not.toHaveProperty('env');
    expect(calls).toHaveLength(3);
    expect(calls[0]).toBe(`http://api/api/deployments/${ID}`);
    expect(log).toEqual([
      'start Waiting for deployment 3f2a9c1d…',
      'update Deployment 3f2a9c1d is QUEUED…',
      'update Deployment 3f2a9c1d is DEPLOYING…',
      'succeed Deployment 3f2a9c1d is RUNNING: Synced',
    ]);
  });

  it('FAILED throws exit 1 with the statusMessage', async () => {
    const { fetch: f } = scriptedFetch([{ status: 'DEPLOYING' }, { status: 'FAILED', statusMessage: 'ImagePullBackOff' }]);
    const log: string[] = [];
    await expect(followDeployment(new ApiClient({ baseUrl: 'http://api', token: 't', fetch: f }), ID, deps({ t: 0 }, log), 60)).rejects.toMatchObject({
      code: 'DEPLOYMENT_FAILED',
      exitCode: 1,
      message: 'Deployment 3f2a9c1d failed: ImagePullBackOff',
    });
    expect(log).toContain('fail Deployment 3f2a9c1d is FAILED');
  });

  it('gives up after --timeout with exit 1', async () => {
    const { fetch: f, calls } = scriptedFetch([{ status: 'DEPLOYING' }]);
    await expect(followDeployment(new ApiClient({ baseUrl: 'http://api', token: 't', fetch: f }), ID, deps({ t: 0 }, []), 5)).rejects.toMatchObject({
      code: 'WAIT_TIMEOUT',
      exitCode: 1,
    });
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.length).toBeLessThanOrEqual(7);
  });
});
