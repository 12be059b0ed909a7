/**
 * The controller end to end against real parts: rows in a real Postgres, the
 * manifests repo behind a real `git http-backend`, checked with the real git CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { seedDeployment, seedService } from '../support/seed.js';
import { waitForStatus } from '../support/rows.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { testControllerEnv } from '../support/controller-env.js';
import { requireTool } from '../../../test-support/tools.js';

const silent = { info() {}, warn: (o: unknown, m?: string) => console.error('WARN', m, o), error: (o: unknown, m?: string) => console.error(m, o), debug() {} };

let ds: DataSource;
let git: GitHttpServer;
let dataDir: string;
let controller: ControllerHandle;
let box: SecretBox;
let repoUrl: string;
const key = randomBytes(32).toString('base64');

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

/** Async on purpose: the git http server runs in this process, a sync clone would deadlock it. */
async function freshClone(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-clone-'));
  await promisify(execFile)('git', ['clone', '-q', repoUrl, dir]);
  return dir;
}

const waitFor = (id: string, statuses: string[]) => waitForStatus(ds, id, statuses);

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  repoUrl = git.url('manifests');
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-ctl-'));
  box = new SecretBox(Buffer.from(key, 'base64'));
  controller = await startController({
    ds,
    logger: silent,
    config: loadControllerConfig(testControllerEnv(repoUrl, key), dataDir),
  });
});

afterAll(async () => {
  await controller?.stop();
  await ds?.destroy();
  await git?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('controller write path', () => {
  it('commits a deploy and a rollback that git log, the files and the rows all agree on', async () => {
    const s = await seedService(ds, { project: 'shop', service: 'web' });
    const env = { GREETING: 'hello: "world" # not a comment', MULTI: 'line1\nline2', EMPTY: '' };
    const first = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:1.4.2', env, secrets: { API_KEY: 's3cr3t-value-1' }, box });
    controller.wake();
    const r1 = await waitFor(first, ['RUNNING', 'FAILED']);
    expect(r1.status).toBe('RUNNING');
    expect(r1.status_message).toMatch(/no sync engine is configured/);

    const second = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:1.5.0', env: { GREETING: 'v2' }, box });
    controller.wake();
    await waitFor(second, ['RUNNING']);
    const rollback = await seedDeployment(ds, s.serviceId, {
      image: 'ghcr.io/acme/web:1.4.2',
      env,
      secrets: { API_KEY: 's3cr3t-value-1' },
      box,
      rollbackFromId: first,
      actor: 'alice@example.com',
      reason: 'checkout broken in 1.5.0',
    });
    controller.wake();
    const rb = await waitFor(rollback, ['RUNNING', 'FAILED']);
    expect(rb.status).toBe('RUNNING');
    const statuses = await ds.query(`SELECT id, status FROM deployments WHERE service_id = $1`, [s.serviceId]);
    const byId = Object.fromEntries(statuses.map((r: { id: string; status: string }) => [r.id, r.status]));
    expect(byId).toEqual({ [first]: 'SUCCESS', [second]: 'SUCCESS', [rollback]: 'RUNNING' });

    const clone = await freshClone();
    try {
      const log = sh(clone, 'log', '--format=%H%n%B%n--end--');
      expect(log).toContain(`rollback(shop/web): to ${first.slice(0, 8)} — ghcr.io/acme/web:1.4.2`);
      expect(log).toContain('deploy(shop/web): ghcr.io/acme/web:1.5.0');
      expect(log).toContain(`Kubidu-Deployment: ${rollback}`);
      expect(log).toContain(`Kubidu-Rollback-Of: ${first}`);
      expect(log).toContain('Kubidu-Actor: alice@example.com');
      expect(log).toContain('checkout broken in 1.5.0');
      const head = sh(clone, 'rev-parse', 'HEAD').trim();
      expect(rb.manifests_commit_sha).toBe(head);
      const kustomization = readFileSync(join(clone, 'apps/shop/web/kustomization.yaml'), 'utf8');
      expect(kustomization).toMatch(/newTag: "?1\.4\.2"?\n/);
      // Secret values never enter Git: search every object.
      const all = execFileSync('sh', ['-c', 'git rev-list --all --objects | cut -d" " -f1 | git cat-file --batch'], {
        cwd: clone,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      expect(all).not.toContain('s3cr3t-value-1');
      if (process.env.DBG) console.error(sh(clone, 'log', '-p', '--stat'));
      expect(kustomization).toMatch(/web-secrets-[0-9a-f]{12}/);
      // The env round-trips exactly through kustomize.
      const rendered = execFileSync(requireTool('kubectl'), ['kustomize', 'apps/shop/web'], { cwd: clone, encoding: 'utf8' });
      const { parseAllDocuments } = await import('yaml');
      const cm = parseAllDocuments(rendered).map((d) => d.toJSON()).find((o) => o?.kind === 'ConfigMap');
      expect(cm.data).toEqual(env);
      // One commit per deployment, no force: linear history of 3 Kubidu commits on top of the seed.
      expect(sh(clone, 'rev-list', '--count', 'HEAD').trim()).toBe('4');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
    const audits = await ds.query(
      `SELECT action FROM audit_logs WHERE deployment_id = $1 ORDER BY seq`,
      [rollback],
    );
    expect(audits.map((a: { action: string }) => a.action)).toEqual(['DEPLOYMENT_COMMITTED', 'DEPLOYMENT_RUNNING']);
  });

  it('pushes 20 rollbacks on 20 services queued at once: 20 commits, every change present', async () => {
    const before = await (async () => {
      const c = await freshClone();
      const n = Number(sh(c, 'rev-list', '--count', 'HEAD').trim());
      rmSync(c, { recursive: true, force: true });
      return n;
    })();
    const ids: Array<{ id: string; svc: string }> = [];
    // Queue all 20 in one transaction so they are claimed together.
    for (let i = 0; i < 20; i++) {
      const s = await seedService(ds, { project: `bulk${i}`, service: 'api' });
      ids.push({ id: await seedDeployment(ds, s.serviceId, { image: `ghcr.io/acme/api:${i}.0.0` }), svc: `bulk${i}` });
    }
    controller.wake();
    for (const { id } of ids) expect((await waitFor(id, ['RUNNING', 'FAILED'])).status).toBe('RUNNING');
    const clone = await freshClone();
    try {
      expect(Number(sh(clone, 'rev-list', '--count', 'HEAD').trim())).toBe(before + 20);
      for (const [i, { svc }] of ids.entries()) {
        expect(readFileSync(join(clone, `apps/${svc}/api/kustomization.yaml`), 'utf8')).toMatch(
          new RegExp(`newTag: "?${i}\\.0\\.0"?\\n`),
        );
      }
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('completes without an empty commit when the manifests already describe the deployment', async () => {
    const s = await seedService(ds, { project: 'same', service: 'web' });
    const a = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:7' });
    controller.wake();
    const ra = await waitFor(a, ['RUNNING']);
    const b = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:7' });
    controller.wake();
    const rb = await waitFor(b, ['RUNNING']);
    expect(rb.manifests_commit_sha).toBe(ra.manifests_commit_sha);
    expect(rb.status_message).toMatch(/Manifests already at/);
  });
});
