/**
 * Config persists across deploys, through the `kubidu` binary against the live
 * stack (API + in-process controller + Postgres + git remote): `kubidu env`,
 * `env set` (plain, and a secret from stdin, never argv), `env unset`, and an
 * image-only `kubidu deploy` that keeps every variable and secret — checked in
 * the manifests `kubectl kustomize` renders (ConfigMap data, the Secret reference).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cloneFresh } from '../../../test-support/git-cli.js';
import { requireTool } from '../../../test-support/tools.js';
import { cliEnv, runKubidu } from '../support/run-cli.js';
import type { DeploymentDetail, ServiceEnv } from '@kubidu/core/contract/deployments';

let stack: TestStack;
let env: NodeJS.ProcessEnv;
let workDir: string;
let token: string;
let slug: string;
let serviceId: string;

const kubidu = (args: string[], input?: string) => runKubidu([...args, '--project', slug, '--service', 'api'], { cwd: workDir, env, input });

/** The service folder as `kubectl kustomize` renders it from a fresh clone: ConfigMap data, and the kustomization text. */
async function rendered(): Promise<{ configMap: Record<string, string>; kustomization: string }> {
  const clone = await cloneFresh(stack.manifestsUrl);
  try {
    const dir = join('apps', slug, 'api');
    const out = execFileSync(requireTool('kubectl'), ['kustomize', dir], { cwd: clone, encoding: 'utf8' });
    const cm = parseAllDocuments(out).map((d) => d.toJSON()).find((o) => o?.kind === 'ConfigMap');
    return { configMap: cm?.data ?? {}, kustomization: await readFile(join(clone, dir, 'kustomization.yaml'), 'utf8') };
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
}

const secretRef = (kustomization: string) => /api-secrets-[0-9a-f]{12}/.exec(kustomization)?.[0];
const detail = async (id: string) => (await stack.request<DeploymentDetail>('GET', `/api/deployments/${id}`, token)).body;

beforeAll(async () => {
  stack = await startTestStack({ secrets: null });
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-env-work-'));
  token = (await stack.register()).token;
  env = cliEnv(stack.apiUrl, await mkdtemp(join(tmpdir(), 'kubidu-env-config-')), { KUBIDU_TOKEN: token });
  slug = `shop-${randomBytes(3).toString('hex')}`;
  const p = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: slug, slug });
  const s = await stack.request<{ id: string }>('POST', `/api/projects/${p.body.id}/services`, token, { name: 'api', port: 3000 });
  serviceId = s.body.id;
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('kubidu env and deploys that keep config', () => {
  it('env set refuses before the first deploy, naming the command to run', async () => {
    const list = await kubidu(['env']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/has never been deployed.*kubidu deploy --image/);
    const r = await kubidu(['env', 'set', 'A=1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[NO_CURRENT_DEPLOYMENT\]: .*never been deployed.*\(HTTP 409\)$/m);
  });

  it('an image-only deploy keeps every variable and secret, in the rows and in the rendered manifests', async () => {
    const first = await kubidu(
      ['deploy', '-i', 'ghcr.io/acme/api:1.0.0', '-e', 'LOG_LEVEL=info', '-e', 'GREETING=hello: "world"', '--secret', 'DB_URL=postgres://u:p@db/app', '--replicas', '2', '--wait', '--json'],
    );
    expect(first.code, first.stderr).toBe(0);
    const v1 = JSON.parse(first.stdout);
    const before = await rendered();
    expect(before.configMap).toEqual({ LOG_LEVEL: 'info', GREETING: 'hello: "world"' });
    expect(secretRef(before.kustomization)).toBeDefined();

    const second = await kubidu(['deploy', '-i', 'ghcr.io/acme/api:1.0.1', '--wait', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const v2 = JSON.parse(second.stdout);
    expect(v2).toMatchObject({ status: 'RUNNING', imageUrl: 'ghcr.io/acme/api:1.0.1', replicas: 2, port: 3000 });
    expect((await detail(v2.id)).env).toEqual((await detail(v1.id)).env);
    const after = await rendered();
    expect(after.configMap).toEqual(before.configMap);
    expect(secretRef(after.kustomization)).toBe(secretRef(before.kustomization));
    expect(after.kustomization).toMatch(/newTag: "?1\.0\.1"?/);
  });

  it('kubidu env lists names, plain values, and secrets as (hidden); --json has null for secret values', async () => {
    const r = await kubidu(['env']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^DB_URL\s+\(hidden\)$/m);
    expect(r.stdout).toMatch(/^LOG_LEVEL\s+info$/m);
    expect(r.stdout).not.toContain('postgres://');
    const j = await kubidu(['env', '--json']);
    const body = JSON.parse(j.stdout) as ServiceEnv;
    expect(body.env).toContainEqual({ key: 'DB_URL', value: null, isSecret: true });
    expect(body.env).toContainEqual({ key: 'GREETING', value: 'hello: "world"', isSecret: false });
  });

  it('env set K=V makes a new deployment of the current image, the rest kept', async () => {
    const r = await kubidu(['env', 'set', 'LOG_LEVEL=debug', 'NEW=a=b', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Queued deployment [0-9a-f]{8} of api: ghcr\.io\/acme\/api:1\.0\.1 \(set LOG_LEVEL, NEW; the rest of the env kept\)$/m);
    expect((await rendered()).configMap).toEqual({ LOG_LEVEL: 'debug', GREETING: 'hello: "world"', NEW: 'a=b' });
  });

  it('env set --secret K reads the value from stdin, never from argv', async () => {
    const refused = await kubidu(['env', 'set', '--secret', 'API_TOKEN=visible-in-ps']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^Error \[USAGE\]: --secret takes only the name \(--secret API_TOKEN\)/m);
    const before = secretRef((await rendered()).kustomization);
    const r = await kubidu(['env', 'set', '--secret', 'API_TOKEN', '--wait', '--json'], 't0ken-from-stdin\n');
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout);
    expect((await detail(row.id)).env.map((e) => `${e.key}:${e.isSecret}`)).toEqual(['API_TOKEN:true', 'DB_URL:true', 'GREETING:false', 'LOG_LEVEL:false', 'NEW:false']);
    // The value reached the Secret's content (its hash changed) and the stored row, without the newline.
    const after = secretRef((await rendered()).kustomization);
    expect(after).not.toBe(before);
    const [stored] = await stack.ds.query(
      `SELECT value_encrypted AS "valueEncrypted", value_iv AS "valueIv" FROM environment_variables WHERE deployment_id = $1 AND key = 'API_TOKEN'`,
      [row.id],
    );
    expect(stack.secretBox.open(stored)).toBe('t0ken-from-stdin');
  });

  it('env unset K removes plain and secret variables; the audit lists the keys set, unset and kept', async () => {
    const r = await kubidu(['env', 'unset', 'NEW', 'API_TOKEN', '--wait', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout);
    const out = await rendered();
    expect(out.configMap).toEqual({ LOG_LEVEL: 'debug', GREETING: 'hello: "world"' });
    const [audit] = await stack.ds.query(`SELECT data FROM audit_logs WHERE deployment_id = $1 AND action = 'DEPLOYMENT_CREATED'`, [row.id]);
    expect(audit.data).toMatchObject({ envKeys: [], secretKeys: [], unsetKeys: ['API_TOKEN', 'NEW'], keptKeys: ['DB_URL', 'GREETING', 'LOG_LEVEL'] });
  });

  it('deploy --replace-env makes the given env the whole set', async () => {
    const r = await kubidu(['deploy', '-i', 'ghcr.io/acme/api:2.0.0', '-e', 'ONLY=1', '--replace-env', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    const out = await rendered();
    expect(out.configMap).toEqual({ ONLY: '1' });
    expect(secretRef(out.kustomization)).toBeUndefined();
    expect((await stack.request<ServiceEnv>('GET', `/api/services/${serviceId}/env`, token)).body.env).toEqual([{ key: 'ONLY', value: '1', isSecret: false }]);
  });
});
