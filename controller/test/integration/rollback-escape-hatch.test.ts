/**
 * Rollback is the escape hatch (issue 15, items 1, 2, 8, 9), against the live
 * stack: the API over HTTP, the in-process controller, a real Postgres, a real
 * `git http-backend` remote, the real git CLI pushing by hand, and the real
 * `kubectl kustomize` rendering what ends up in the repo.
 * - a folder broken by hand does not block a rollback or a deploy: the folder is
 *   rewritten whole, the commit body names the commit that broke it, and it renders;
 * - a rollback that ends FAILED releases its own hold;
 * - a rollback renders the very objects its target rendered (same pod template);
 * - `git log` names the person: author = the acting user, committer = Kubidu, the
 *   deploy message in the body; imported rows say who made the commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { requireTool } from '../../../test-support/tools.js';
import { waitFor } from '../../../test-support/wait.js';

interface Row {
  id: string;
  status: string;
  source: string;
  statusMessage: string | null;
  manifestsCommitSha: string | null;
  actor: string;
}

const kubectl = requireTool('kubectl');

function kustomize(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl kustomize ${dir} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The service folder as it is in `sha`, written to a temp dir and rendered by `kubectl kustomize`. */
async function renderAt(clone: string, sha: string, folder: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'kubidu-render-'));
  try {
    const names = (await gitCli(clone, 'ls-tree', '--name-only', sha, `${folder}/`)).split('\n').filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      const target = join(out, n.slice(folder.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, await gitCli(clone, 'show', `${sha}:${n}`));
    }
    return await kustomize(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('rollback is the escape hatch', () => {
  let stack: TestStack;
  let token: string;
  let email: string;
  beforeAll(async () => {
    stack = await startTestStack({ sync: null, secrets: null, env: { KUBIDU_GIVE_UP_SECONDS: '2', KUBIDU_GIT_POLL_SECONDS: '1' } });
    ({ token, email } = await stack.register('alice.liddell@example.com'));
  });
  afterAll(async () => stack?.stop());

  async function service(project: string, name = 'api'): Promise<{ serviceId: string; folder: string }> {
    const p = await stack.request<{ id: string; slug: string }>('POST', '/api/projects', token, { name: project });
    expect(p.status).toBe(201);
    const s = await stack.request<{ id: string }>('POST', `/api/projects/${p.body.id}/services`, token, { name });
    expect(s.status).toBe(201);
    return { serviceId: s.body.id, folder: `apps/${p.body.slug}/${name}` };
  }
  async function finished(id: string): Promise<Row> {
    return waitFor(`deployment ${id} finished`, async () => (await stack.request<Row>('GET', `/api/deployments/${id}`, token)).body, {
      until: (r) => r.status === 'RUNNING' || r.status === 'FAILED' || r.status === 'SUCCESS',
      intervalMs: 50,
    });
  }
  async function deploy(serviceId: string, body: Record<string, unknown>): Promise<Row> {
    const r = await stack.request<Row>('POST', `/api/services/${serviceId}/deployments`, token, body);
    expect(r.status).toBe(202);
    return finished(r.body.id);
  }
  async function rollback(targetId: string, reason: string): Promise<Row> {
    const r = await stack.request<Row>('POST', `/api/deployments/${targetId}/rollback`, token, { reason });
    expect(r.status).toBe(202);
    return finished(r.body.id);
  }
  async function gitRows(serviceId: string): Promise<Row[]> {
    const r = await stack.request<{ items: Row[] }>('GET', `/api/services/${serviceId}/deployments?limit=100`, token);
    return r.body.items.filter((d) => d.source === 'GIT');
  }
  /** Clone, add a duplicate key to the service's kustomization.yaml, push with plain git; the culprit sha. */
  async function breakByHand(folder: string): Promise<string> {
    const wt = await cloneFresh(stack.manifestsUrl);
    try {
      const path = join(wt, folder, 'kustomization.yaml');
      writeFileSync(path, readFileSync(path, 'utf8') + 'kind: Kustomization\n');
      await gitCli(wt, 'commit', '-q', '-am', 'tweak kustomization by hand');
      await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
      return (await gitCli(wt, 'rev-parse', 'HEAD')).trim();
    } finally {
      rmSync(wt, { recursive: true, force: true });
    }
  }

  it('a folder broken by hand: the import says whole what broke and how to fix it; a rollback rewrites the folder, names the culprit, ends RUNNING and renders', async () => {
    const { serviceId, folder } = await service('Broken Shop');
    const v1 = await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.0', env: { MODE: 'one' }, secrets: { TOKEN: 't1' } });
    expect(v1.status).toBe('RUNNING');
    const v2 = await deploy(serviceId, { image: 'ghcr.io/acme/api:2.0.0', env: { MODE: 'two' } });
    expect(v2.status).toBe('RUNNING');
    const culprit = await breakByHand(folder);

    const [imported] = await waitFor('the broken commit imported', () => gitRows(serviceId), { until: (r) => r.length >= 1, intervalMs: 100 });
    expect(imported.status).toBe('FAILED');
    const msg = imported.statusMessage ?? '';
    expect(msg).not.toMatch(/[\n:]$/);
    expect(msg).not.toContain('\n');
    expect(msg).toContain(culprit.slice(0, 8));
    expect(msg).toMatch(/Map keys must be unique/);
    expect(msg).toMatch(/kubidu rollback/);

    const rb = await rollback(v1.id, 'the hand edit broke the folder');
    expect(rb.status, rb.statusMessage ?? '').toBe('RUNNING');
    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      const body = await gitCli(clone, 'log', '-1', '--format=%B', rb.manifestsCommitSha!);
      expect(body).toContain(culprit.slice(0, 12));
      expect(body).toMatch(/rewr[io]te/i);
      const rendered = await renderAt(clone, rb.manifestsCommitSha!, folder);
      expect(rendered).toContain('image: ghcr.io/acme/api:1.0.0');
      expect(rendered).toContain('MODE: one');
      // Rewritten from the desired state: the same objects the target rendered.
      expect(rendered).toBe(await renderAt(clone, v1.manifestsCommitSha!, folder));
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('a deploy over a folder broken by hand rewrites it too and ends RUNNING', async () => {
    const { serviceId, folder } = await service('Broken Deploy');
    expect((await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.0' })).status).toBe('RUNNING');
    const culprit = await breakByHand(folder);
    await waitFor('the broken commit imported', () => gitRows(serviceId), { until: (r) => r.length >= 1, intervalMs: 100 });
    const d = await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.1', commitMessage: 'hotfix' });
    expect(d.status, d.statusMessage ?? '').toBe('RUNNING');
    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      expect(await gitCli(clone, 'log', '-1', '--format=%B', d.manifestsCommitSha!)).toContain(culprit.slice(0, 12));
      expect(await renderAt(clone, d.manifestsCommitSha!, folder)).toContain('image: ghcr.io/acme/api:1.0.1');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('a rollback that ends FAILED releases its own hold, audited; deploys are accepted again', async () => {
    const { serviceId } = await service('Failing Rollback');
    const v1 = await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.0' });
    await deploy(serviceId, { image: 'ghcr.io/acme/api:2.0.0' });
    stack.git.failService('receive-pack', 503);
    let rb: Row;
    try {
      rb = await rollback(v1.id, 'try to go back');
    } finally {
      stack.git.failService('receive-pack', null);
    }
    expect(rb.status).toBe('FAILED');
    const holds = await stack.ds.query(`SELECT * FROM deploy_holds WHERE service_id = $1`, [serviceId]);
    expect(holds).toEqual([]);
    const audit: Array<{ action: string; data: Record<string, unknown>; deployment_id: string }> = await stack.ds.query(
      `SELECT action, data, deployment_id FROM audit_logs WHERE service_id = $1 AND action = 'DEPLOY_HOLD_RELEASED'`,
      [serviceId],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].deployment_id).toBe(rb.id);
    expect(audit[0].data).toMatchObject({ rollbackId: rb.id, reason: 'the rollback failed' });
    const after = await stack.request<Row>('POST', `/api/services/${serviceId}/deployments`, token, { image: 'ghcr.io/acme/api:2.0.1' });
    expect(after.status).toBe(202);
    expect((await finished(after.body.id)).status).toBe('RUNNING');
  });

  it('a failed deploy does not release the hold of the rollback in force', async () => {
    const { serviceId } = await service('Held Service');
    const v1 = await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.0' });
    await deploy(serviceId, { image: 'ghcr.io/acme/api:2.0.0' });
    const rb = await rollback(v1.id, 'back to 1');
    expect(rb.status).toBe('RUNNING');
    stack.git.failService('receive-pack', 503);
    let over: Row;
    try {
      over = await deploy(serviceId, { image: 'ghcr.io/acme/api:3.0.0', override: true });
    } finally {
      stack.git.failService('receive-pack', null);
    }
    expect(over.status).toBe('FAILED');
    const holds: Array<{ rollback_id: string }> = await stack.ds.query(`SELECT rollback_id FROM deploy_holds WHERE service_id = $1`, [serviceId]);
    expect(holds.map((h) => h.rollback_id)).toEqual([rb.id]);
  });

  it('a rollback renders byte for byte the objects of the deployment it restores (same pod template)', async () => {
    const { serviceId, folder } = await service('Fast Rollback');
    const v1 = await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.0', env: { MODE: 'one', URL: 'https://a.example' }, secrets: { TOKEN: 't1' }, replicas: 2 });
    const v2 = await deploy(serviceId, { image: 'ghcr.io/acme/api:2.0.0', env: { MODE: 'two' }, secrets: { TOKEN: 't2' }, replicas: 3 });
    const rb = await rollback(v1.id, 'v2 is slow');
    expect([v1.status, v2.status, rb.status]).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      const target = await renderAt(clone, v1.manifestsCommitSha!, folder);
      expect(await renderAt(clone, rb.manifestsCommitSha!, folder)).toBe(target);
      expect(await renderAt(clone, v2.manifestsCommitSha!, folder)).not.toBe(target);
      // No per-deployment value in what is rendered (it would change the pod-template-hash).
      expect(target).not.toContain(v1.id);
      expect(target).not.toContain(v1.id.slice(0, 8));
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('git log names the person: author = the acting user, committer = Kubidu, the deploy message in the body; imported rows say who committed', async () => {
    const { serviceId, folder } = await service('Who Did It');
    const d = await deploy(serviceId, { image: 'ghcr.io/acme/api:1.0.0', commitMessage: 'Fix the checkout total\n\nRounding was off by a cent.' });
    expect(d.status).toBe('RUNNING');
    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      const [who, body] = (await gitCli(clone, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B', d.manifestsCommitSha!)).split(/\|(.*)/s);
      expect(who).toBe(`alice.liddell <${email}>`);
      expect(body.startsWith('Kubidu <bot@kubidu.local>|')).toBe(true);
      expect(body).toContain('Fix the checkout total\n\nRounding was off by a cent.');
      expect(body).toContain(`Kubidu-Deployment: ${d.id}`);

      // A hand commit to the folder (valid) is imported as that person's; its RUNNING row says so.
      const path = join(clone, folder, 'kustomization.yaml');
      writeFileSync(path, readFileSync(path, 'utf8').replace('count: 1', 'count: 2'));
      await gitCli(clone, 'commit', '-q', '-am', 'scale api to two');
      await gitCli(clone, 'push', '-q', 'origin', 'HEAD:main');
      const sha = (await gitCli(clone, 'rev-parse', 'HEAD')).trim();
      const [imported] = await waitFor('the hand commit imported', () => gitRows(serviceId), { until: (r) => r.length >= 1, intervalMs: 100 });
      const row = await finished(imported.id);
      expect(row.status).toBe('RUNNING');
      expect(row.statusMessage).toContain(`Imported commit ${sha.slice(0, 8)} by Human`);
      expect(row.statusMessage).not.toContain('Committed');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
