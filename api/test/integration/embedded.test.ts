/**
 * The embedded default: PGlite over the wire protocol with a single connection.
 * The whole write path (register, deploy, rollback with its transaction and
 * FOR UPDATE lock) must work there too, and `main()` must start, print where its
 * data lives, and keep data and login tokens across a restart.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { openDatabase } from '@kubidu/core/db/data-source';
import { startEmbeddedPostgres } from '@kubidu/core/db/embedded';
import { main } from '@kubidu/platform/main';
import { createService, deploy, registerUser, setStatus } from '../support/app.js';
import { waitFor } from '../../../test-support/wait.js';

describe('embedded PGlite mode', () => {
  it('register + deploy + rollback through the API on one connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-embedded-api-'));
    const pg = await startEmbeddedPostgres(dir);
    const ds = await openDatabase({ url: pg.url, poolMax: 1 });
    let wakes = 0;
    const app = buildApp({
      ds,
      secretBox: new SecretBox(randomBytes(32)),
      jwtSecret: randomBytes(32),
      config: loadConfig({ KUBIDU_DATA_DIR: dir }),
      logger: false,
      wakeController: () => void wakes++,
    });
    try {
      const u = await registerUser(app);
      const { serviceId } = await createService(app, u);
      const a = await deploy(app, u, serviceId, { image: 'nginx:1.25', env: { A: 'ä\n{x: 1}' }, secrets: { S: 's' } });
      expect(a.statusCode).toBe(202);
      const b = await deploy(app, u, serviceId, { image: 'nginx:1.26' });
      await setStatus(ds, a.json().id, 'SUCCESS');
      await setStatus(ds, b.json().id, 'RUNNING');
      const [r1, r2] = await Promise.all([
        app.inject({ method: 'POST', url: `/api/deployments/${a.json().id}/rollback`, headers: u.auth, payload: { reason: 'embedded' } }),
        app.inject({ method: 'POST', url: `/api/deployments/${a.json().id}/rollback`, headers: u.auth }),
      ]);
      expect(r1.statusCode).toBe(202);
      expect(r2.json().id).toBe(r1.json().id);
      expect(r1.json()).toMatchObject({ source: 'ROLLBACK', imageUrl: 'nginx:1.25', rollbackFromId: a.json().id });
      expect(wakes).toBe(3);
      const detail = await app.inject({ url: `/api/deployments/${r1.json().id}`, headers: u.auth });
      expect(detail.json().env).toEqual([
        { key: 'A', value: 'ä\n{x: 1}', isSecret: false },
        { key: 'S', value: null, isSecret: true },
      ]);
      const history = await app.inject({ url: `/api/services/${serviceId}/deployments`, headers: u.auth });
      expect(history.json().items.map((d: { id: string }) => d.id)).toEqual([r1.json().id, b.json().id, a.json().id]);
      const audit = await app.inject({ url: `/api/audit?serviceId=${serviceId}`, headers: u.auth });
      expect(audit.json().items[0].action).toBe('DEPLOYMENT_ROLLBACK');
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await ds.destroy();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('main() starts on embedded defaults, prints where data lives, and survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-main-'));
    const env = { KUBIDU_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', KUBIDU_CONTROLLER: 'off' };
    try {
      const lines: string[] = [];
      let server = await main(env, { print: (l) => lines.push(l), logger: false });
      expect(lines[0]).toMatch(/^Kubidu is answering on http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.join('\n')).toContain(`Data directory: ${dir}`);
      expect(lines.join('\n')).toContain(`embedded PGlite in ${join(dir, 'pgdata')}`);
      expect(statSync(join(dir, 'jwt.secret')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
      const reg = await fetch(`${server.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'persist@example.com', password: 'a long password' }),
      });
      expect(reg.status).toBe(201);
      const { token } = (await reg.json()) as { token: string };
      await server.close();

      server = await main(env, { print: () => undefined, logger: false });
      const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { email: string }).email).toBe('persist@example.com');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm start defaults: deploy, roll back, and a plain `git revert` pushed to the local manifests repo shows in the history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-main-door-'));
    const wt = mkdtempSync(join(tmpdir(), 'kubidu-main-door-wt-'));
    const env = { KUBIDU_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', KUBIDU_GIT_POLL_SECONDS: '1', KUBIDU_KUBERNETES: 'off' };
    const git = (...args: string[]) =>
      promisify(execFile)('git', args, {
        cwd: wt,
        env: { ...process.env, GIT_AUTHOR_NAME: 'Ops', GIT_AUTHOR_EMAIL: 'ops@example.com', GIT_COMMITTER_NAME: 'Ops', GIT_COMMITTER_EMAIL: 'ops@example.com' },
      }).then((r) => r.stdout.trim());
    const server = await main(env, { print: () => undefined, logger: false });
    try {
      const call = async (method: string, path: string, token: string, body?: unknown) => {
        const res = await fetch(server.url + path, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const { token } = (await call('POST', '/api/auth/register', '', { email: 'door@example.com', password: 'a long password' })).body;
      const project = (await call('POST', '/api/projects', token, { name: 'Local' })).body;
      const service = (await call('POST', `/api/projects/${project.id}/services`, token, { name: 'web' })).body;
      const running = (id: string) =>
        waitFor(`deployment ${id} RUNNING`, async () => (await call('GET', `/api/deployments/${id}`, token)).body, { until: (d) => d.status === 'RUNNING', intervalMs: 50 });
      const v1 = (await call('POST', `/api/services/${service.id}/deployments`, token, { image: 'nginx:1.25', env: { A: 'one' } })).body;
      await running(v1.id);
      const v2 = (await call('POST', `/api/services/${service.id}/deployments`, token, { image: 'nginx:1.26', env: { A: 'two' } })).body;
      await running(v2.id);
      const rb = (await call('POST', `/api/deployments/${v1.id}/rollback`, token, {})).body;
      const rbRow = await running(rb.id);
      expect(rbRow.statusMessage).toMatch(/no sync engine is configured/);

      // Plain git against the bare repo in the data dir, as the README tells people.
      await git('clone', '-q', join(dir, 'manifests.git'), '.');
      expect(await git('log', '-1', '--format=%H')).toBe(rbRow.manifestsCommitSha);
      expect(readFileSync(join(wt, 'apps/local/web/kustomization.yaml'), 'utf8')).toContain('1.25');
      await git('revert', '--no-edit', 'HEAD');
      await git('push', '-q', 'origin', 'HEAD:main');
      const revert = await git('rev-parse', 'HEAD');
      // Only the 1 s poll can find it (no webhook, no trigger): wait for the row, however busy the machine.
      const row = await waitFor('the GIT row of the revert', async () =>
        (await call('GET', `/api/services/${service.id}/deployments`, token, undefined)).body.items.find((d: any) => d.source === 'GIT'),
      );
      expect(row).toMatchObject({ manifestsCommitSha: revert, imageUrl: 'nginx:1.26', rollbackFromId: v2.id, revertsDeploymentId: rb.id, actor: 'Ops <ops@example.com>' });
      expect((await running(row.id)).isCurrent).toBe(true);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(wt, { recursive: true, force: true });
    }
  });
});
