/**
 * The container image, built from the Dockerfile with podman and run on its
 * embedded defaults with the data dir on a named volume. Through the published
 * port: register, deploy twice, roll back; then `git clone` the manifests repo
 * from the volume and find the three commits. Also: the HEALTHCHECK passes, the
 * process is not root. The base image is a local stand-in for
 * node:20-bookworm-slim (test-support/podman.ts), built once and kept by tag;
 * every other image, container and volume this test makes is removed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalBaseImage, podman } from '../../../test-support/podman.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import { waitFor } from '../../../test-support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PODMAN = toolOrSkip('podman');
const MMDEBSTRAP = toolOrSkip('mmdebstrap');
const run = randomBytes(4).toString('hex');
const TAG = `localhost/kubidu-test:${run}`;
const NAME = `kubidu-test-${run}`;
const VOLUME = `kubidu-test-data-${run}`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const imageIds = async () => new Set((await podman(['images', '-a', '-q', '--no-trunc'])).split('\n').filter(Boolean));
let before = new Set<string>();
const cloneDir = mkdtempSync(join(tmpdir(), 'kubidu-image-clone-'));

afterAll(async () => {
  rmSync(cloneDir, { recursive: true, force: true });
  if (!PODMAN) return;
  await podman(['rm', '-f', '-t', '5', NAME]).catch(() => undefined);
  await podman(['volume', 'rm', '-f', VOLUME]).catch(() => undefined);
  await podman(['rmi', '-f', TAG]).catch(() => undefined);
  // Stage images and anything else this build left (never the kept base image).
  for (const id of await imageIds()) if (!before.has(id)) await podman(['rmi', '-f', id]).catch(() => undefined);
}, 120_000);

describe.skipIf(!PODMAN || !MMDEBSTRAP)('the container image (podman)', () => {
  it('builds, runs on its defaults, deploys and rolls back through its port, and its volume holds a clonable manifests repo', async () => {
    const base = await ensureLocalBaseImage();
    before = await imageIds();
    await podman(['build', '--format', 'docker', '--layers=false', '--network=host', '--build-arg', `BASE_IMAGE=${base}`, '-t', TAG, ROOT], {
      timeoutMs: 900_000,
    });
    type Check = { Test: string[] };
    const inspect = JSON.parse(await podman(['image', 'inspect', TAG]))[0] as { Config: { User: string; Healthcheck?: Check }; Healthcheck?: Check };
    expect(inspect.Config.User).toBe('10001:10001');
    expect((inspect.Healthcheck ?? inspect.Config.Healthcheck)?.Test.join(' ')).toContain('scripts/healthcheck.mjs');

    const port = await freePort();
    await podman(['volume', 'create', VOLUME]);
    await podman(['run', '-d', '--name', NAME, '-p', `127.0.0.1:${port}:8080`, '-v', `${VOLUME}:/data`, TAG]);
    const api = `http://127.0.0.1:${port}`;
    await waitFor('the container answering /healthz', async () => (await fetch(`${api}/healthz`).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 500 });

    const call = async <T>(method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(api + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    const reg = await call<{ token: string }>('POST', '/api/auth/register', '', { email: 'ops@example.com', password: 'correct horse battery' });
    expect(reg.status).toBe(201);
    const token = reg.body.token;
    const project = await call<{ id: string; slug: string }>('POST', '/api/projects', token, { name: 'Shop' });
    const service = await call<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'api', port: 3000 });
    type Row = { id: string; status: string; manifestsCommitSha: string | null };
    const until = (id: string) =>
      waitFor(`deployment ${id} RUNNING`, async () => (await call<Row>('GET', `/api/deployments/${id}`, token)).body, {
        until: (d) => d.status === 'RUNNING',
        timeoutMs: 60_000,
      });
    const v1 = await call<Row>('POST', `/api/services/${service.body.id}/deployments`, token, { image: 'registry.example.com/shop/api:1.0' });
    expect(v1.status).toBe(202);
    await until(v1.body.id);
    const v2 = await call<Row>('POST', `/api/services/${service.body.id}/deployments`, token, { image: 'registry.example.com/shop/api:2.0' });
    await until(v2.body.id);
    const rb = await call<Row>('POST', `/api/deployments/${v1.body.id}/rollback`, token, {});
    expect(rb.status).toBe(202);
    const rolledBack = await until(rb.body.id);

    await podman(['healthcheck', 'run', NAME]); // exits non-zero when unhealthy
    // The image serves /metrics on its metrics port (inside the container; not published here).
    const scraped = await podman(['exec', NAME, 'node', '-e', "fetch('http://127.0.0.1:9464/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    expect(scraped).toContain('kubidu_deployments_total{source="ROLLBACK",status="RUNNING"} 1');
    expect((await podman(['exec', NAME, 'id', '-u'])).trim()).toBe('10001');

    const mount = (await podman(['volume', 'inspect', VOLUME, '--format', '{{.Mountpoint}}'])).trim();
    const clone = join(cloneDir, 'manifests');
    // The volume belongs to the image's user (uid 10001): a global config of our own trusts it.
    const gitConfig = join(cloneDir, 'gitconfig');
    writeFileSync(gitConfig, '[safe]\n\tdirectory = *\n');
    execFileSync('git', ['clone', '-q', join(mount, 'manifests.git'), clone], { env: { ...process.env, GIT_CONFIG_GLOBAL: gitConfig } });
    const log = execFileSync('git', ['log', '--format=%H%n%B%n--'], { cwd: clone, encoding: 'utf8' });
    expect(log.split('\n')[0]).toBe(rolledBack.manifestsCommitSha);
    expect(log).toContain(`Kubidu-Deployment: ${v1.body.id}`);
    expect(log).toContain(`Kubidu-Deployment: ${v2.body.id}`);
    expect(log).toContain(`Kubidu-Rollback-Of: ${v1.body.id}`);
    const kustomization = execFileSync('git', ['show', `HEAD:apps/${project.body.slug}/api/kustomization.yaml`], { cwd: clone, encoding: 'utf8' });
    expect(kustomization).toContain('1.0');
  }, 1_200_000);
});
