/**
 * How a commit made outside Kubidu reaches the history: the forge's push webhook
 * (POST /api/webhooks/git, signed) wakes the importer at once; without it, the
 * poll of the remote finds the commit within one interval. Against the live
 * stack: the API over HTTP, the in-process controller, a real Postgres, a real
 * `git http-backend` remote, and the real git CLI doing the revert and push.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { WaitTimeoutError, waitFor } from '../../../test-support/wait.js';

const SECRET = 'whsec-test-0123456789';

interface Row {
  id: string;
  status: string;
  source: string;
  imageUrl: string;
  manifestsCommitSha: string | null;
  rollbackFromId: string | null;
  revertsDeploymentId: string | null;
  actor: string;
  reason: string | null;
  commitMessage: string | null;
}

/** A project + service through the API, deployed twice and rolled back to the first; all RUNNING/SUCCESS. */
async function seedHistory(stack: TestStack, token: string, name: string) {
  const p = await stack.request<{ id: string }>('POST', '/api/projects', token, { name });
  expect(p.status).toBe(201);
  const s = await stack.request<{ id: string }>('POST', `/api/projects/${p.body.id}/services`, token, { name: 'web' });
  expect(s.status).toBe(201);
  const serviceId = s.body.id;
  const wait = async (id: string) => {
    const row = await waitFor(`deployment ${id} finished`, async () => (await stack.request<Row>('GET', `/api/deployments/${id}`, token)).body, {
      until: (r) => r.status === 'RUNNING' || r.status === 'FAILED',
      intervalMs: 50,
    });
    if (row.status === 'FAILED') throw new Error(`deployment ${id} ended ${row.status}`);
    return row;
  };
  const d1 = await stack.request<Row>('POST', `/api/services/${serviceId}/deployments`, token, { image: 'ghcr.io/acme/web:1.0.0', env: { MODE: 'one' }, secrets: { TOKEN: 'tok-1' } });
  await wait(d1.body.id);
  const d2 = await stack.request<Row>('POST', `/api/services/${serviceId}/deployments`, token, { image: 'ghcr.io/acme/web:2.0.0', env: { MODE: 'two' }, secrets: { TOKEN: 'tok-2' } });
  await wait(d2.body.id);
  const rb = await stack.request<Row>('POST', `/api/deployments/${d1.body.id}/rollback`, token, { reason: '2.0.0 is broken' });
  expect(rb.status).toBe(202);
  const rbRow = await wait(rb.body.id);
  return { serviceId, d1: d1.body.id, d2: d2.body.id, rb: rbRow };
}

async function history(stack: TestStack, token: string, serviceId: string): Promise<Row[]> {
  const r = await stack.request<{ items: Row[] }>('GET', `/api/services/${serviceId}/deployments?limit=100`, token);
  expect(r.status).toBe(200);
  return r.body.items;
}

/** The GIT rows once there are `n`, or whatever there is after `withinMs` (for "nothing was recorded"). */
async function gitRowsSoon(stack: TestStack, token: string, serviceId: string, n: number, withinMs: number): Promise<{ rows: Row[] }> {
  const read = async () => (await history(stack, token, serviceId)).filter((d) => d.source === 'GIT');
  const rows = await waitFor(`${n} GIT row(s)`, read, { until: (r) => r.length >= n, timeoutMs: withinMs, intervalMs: 50 }).catch(async (e) => {
    if (e instanceof WaitTimeoutError) return read();
    throw e;
  });
  return { rows };
}

/** `git revert` of the newest commit in a fresh clone, pushed; returns the revert's sha. */
async function revertTip(url: string): Promise<string> {
  const wt = await cloneFresh(url);
  try {
    await gitCli(wt, 'revert', '--no-edit', 'HEAD');
    await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
    return (await gitCli(wt, 'rev-parse', 'HEAD')).trim();
  } finally {
    rmSync(wt, { recursive: true, force: true });
  }
}

function githubPush(after: string, ref = 'refs/heads/main') {
  const body = JSON.stringify({ ref, before: '0'.repeat(40), after, repository: { full_name: 'acme/manifests' } });
  const sig = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sig } };
}

async function post(stack: TestStack, body: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.apiUrl}/api/webhooks/git`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('git door triggers: the push webhook', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    // The poll is an hour: anything imported here came through the webhook.
    stack = await startTestStack({ sync: null, secrets: null, env: { KUBIDU_WEBHOOK_SECRET: SECRET, KUBIDU_GIT_POLL_SECONDS: '3600' } });
    token = (await stack.register()).token;
  });
  afterAll(async () => stack?.stop());

  it('refuses unsigned and badly signed deliveries (401, nothing recorded); a signed push imports the git revert at once', async () => {
    const { serviceId, d2, rb } = await seedHistory(stack, token, 'Hooks');
    const revertSha = await revertTip(stack.manifestsUrl);

    const good = githubPush(revertSha);
    const unsigned = await post(stack, good.body, { 'content-type': 'application/json', 'x-github-event': 'push' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.code).toBe('UNAUTHORIZED');
    const forged = await post(stack, good.body, { ...good.headers, 'x-hub-signature-256': 'sha256=' + 'ab'.repeat(32) });
    expect(forged.status).toBe(401);
    const tampered = await post(stack, good.body.replace('acme', 'evil'), good.headers);
    expect(tampered.status).toBe(401);
    expect((await gitRowsSoon(stack, token, serviceId, 1, 1500)).rows).toHaveLength(0);

    const other = githubPush(revertSha, 'refs/heads/feature');
    expect((await post(stack, other.body, other.headers)).body).toMatchObject({ accepted: false });

    const ok = await post(stack, good.body, good.headers);
    expect(ok).toMatchObject({ status: 202, body: { accepted: true, provider: 'github' } });
    // The poll is an hour away: only the webhook can bring the row.
    const rows = await waitFor('the GIT row the webhook brought', async () => (await history(stack, token, serviceId)).filter((d) => d.source === 'GIT'), {
      until: (r) => r.length >= 1,
      intervalMs: 50,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'GIT',
      manifestsCommitSha: revertSha,
      imageUrl: 'ghcr.io/acme/web:2.0.0',
      rollbackFromId: d2,
      revertsDeploymentId: rb.id,
      actor: 'Human <human@example.com>',
    });
    expect(rows[0].reason).toContain(`Reverted rollback ${rb.id.slice(0, 8)}`);
    // Its env is the restored deployment's (secrets by reference, still hidden).
    const detail = await stack.request<{ env: Array<{ key: string; value: string | null; isSecret: boolean }> }>('GET', `/api/deployments/${rows[0].id}`, token);
    expect(detail.body.env).toEqual([
      { key: 'MODE', value: 'two', isSecret: false },
      { key: 'TOKEN', value: null, isSecret: true },
    ]);
    const audit = await stack.request<{ items: Array<{ action: string; deploymentId: string }> }>('GET', `/api/audit?serviceId=${serviceId}`, token);
    expect(audit.body.items.some((a) => a.action === 'DEPLOYMENT_GIT_CHANGE' && a.deploymentId === rows[0].id)).toBe(true);

    // The same push again (a GitLab-style redelivery) and the poll: still one row.
    const again = await post(stack, good.body, { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET });
    expect(again.status).toBe(202);
    stack.controller!.triggerImport();
    await new Promise((res) => setTimeout(res, 500));
    expect((await history(stack, token, serviceId)).filter((d) => d.source === 'GIT')).toHaveLength(1);
  });
});

describe('git door triggers: the poll', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    // No webhook secret: the route is off, and the 1 s poll is the only door.
    stack = await startTestStack({ sync: null, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '1' } });
    token = (await stack.register()).token;
  });
  afterAll(async () => stack?.stop());

  it('a hand edit pushed with plain git shows in the history within one poll interval; the webhook answers 503 when no secret is set', async () => {
    const { serviceId } = await seedHistory(stack, token, 'Polled');
    const wt = await cloneFresh(stack.manifestsUrl);
    try {
      const k = join(wt, 'apps/polled/web/kustomization.yaml');
      writeFileSync(k, readFileSync(k, 'utf8').replace(/newTag: "?1\.0\.0"?/, 'newTag: "1.0.1"'));
      await gitCli(wt, 'commit', '-qam', 'web: 1.0.1 by hand');
      await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
      const sha = (await gitCli(wt, 'rev-parse', 'HEAD')).trim();
      // Within one poll interval, counted in polls rather than milliseconds: nothing else reads the
      // remote now (no webhook, no trigger, nothing to deploy), so each advertisement it serves is
      // one poll, except that the poll which finds a new tip reads it twice (its check, then the fetch).
      // The poll running during the push may miss the commit (1), the next must import it (2), and one
      // more may start before this test reads the row (1).
      const polls = () => stack.git.requests['info-refs'] ?? 0;
      const pollsAtPush = polls();
      let pollsBeforeRead = pollsAtPush;
      const rows = await waitFor(
        'the hand edit as a GIT row',
        async () => {
          pollsBeforeRead = polls();
          return (await history(stack, token, serviceId)).filter((d) => d.source === 'GIT');
        },
        { until: (r) => r.length >= 1, intervalMs: 50 },
      );
      expect(pollsBeforeRead - pollsAtPush, 'advertisements served until the row appeared').toBeLessThanOrEqual(4);
      expect(rows.map((r) => [r.manifestsCommitSha, r.imageUrl, r.commitMessage])).toEqual([[sha, 'ghcr.io/acme/web:1.0.1', 'web: 1.0.1 by hand']]);
    } finally {
      rmSync(wt, { recursive: true, force: true });
    }
    const hook = githubPush('f'.repeat(40));
    const off = await post(stack, hook.body, hook.headers);
    expect(off).toMatchObject({ status: 503, body: { code: 'WEBHOOKS_DISABLED' } });
  });
});
