/**
 * The `kubidu` binary as a real process against the live stack: API + in-process
 * controller + real Postgres + real git remote. One story, in order: log in,
 * link, deploy twice, list, roll back by prefix and by default, fail, be refused.
 */
import { mkdtemp, mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cliEnv, runKubidu } from '../support/run-cli.js';
import { FAIL_MESSAGE, failOnReasonSync } from '../support/fake-sync.js';
import type { Page } from '@kubidu/core/contract/common';
import type { DeploymentDetail, DeploymentView } from '@kubidu/core/contract/deployments';

let stack: TestStack;
let configDir: string;
let workDir: string;
let subDir: string;
let env: NodeJS.ProcessEnv;
let token: string;
let email: string;
let password: string;
let serviceId: string;
let v1: DeploymentView;
let v2: DeploymentView;

const kubidu = (args: string[], cwd = subDir, e = env) => runKubidu(args, { cwd, env: e });

async function history(): Promise<DeploymentView[]> {
  const r = await stack.request<Page<DeploymentView>>('GET', `/api/services/${serviceId}/deployments?limit=100`, token);
  expect(r.status).toBe(200);
  return r.body.items;
}

beforeAll(async () => {
  stack = await startTestStack({ sync: failOnReasonSync(), secrets: null });
  configDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-config-'));
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-work-'));
  subDir = join(workDir, 'src', 'deep');
  await mkdir(subDir, { recursive: true });
  env = cliEnv(stack.apiUrl, configDir);
  const user = await stack.register();
  email = user.email;
  password = user.password;
  // The CLI's own login is what is tested; this token is for the test's own assertions.
  token = user.token;
});

afterAll(async () => {
  await stack?.stop();
});

describe('kubidu CLI against the live stack', () => {
  it('login with --email/--password stores a 0600 credentials file; whoami uses it', async () => {
    const bad = await kubidu(['login', '--email', email, '--password', 'wrong password!']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error \[UNAUTHORIZED\]: .*\(HTTP 401\)$/m);

    const r = await kubidu(['login', '--email', email, '--password', password]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Logged in to ${stack.apiUrl} as ${email}`);
    const path = join(configDir, 'kubidu', 'credentials.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.servers[stack.apiUrl].token).toEqual(expect.any(String));
    expect(JSON.stringify(file)).not.toContain(password);

    const who = await kubidu(['whoami', '--json']);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ email, apiUrl: stack.apiUrl });
  });

  it('a network error names the URL it tried (exit 1)', async () => {
    const r = await kubidu(['whoami', '--api-url', 'http://127.0.0.1:9', '--token', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[NETWORK_ERROR\]: Could not reach http:\/\/127\.0\.0\.1:9\/api\/me/);
  });

  it('creates a project and a service, links the directory (names, not ids)', async () => {
    const slug = `shop-${randomBytes(3).toString('hex')}`;
    const p = await kubidu(['projects', 'create', slug, '--json']);
    expect(p.code, p.stderr).toBe(0);
    const project = JSON.parse(p.stdout);
    expect(project).toMatchObject({ name: slug, slug });

    const s = await kubidu(['services', 'create', 'api', '--project', slug, '--port', '3000', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const service = JSON.parse(s.stdout);
    expect(service).toMatchObject({ name: 'api', port: 3000, projectId: project.id });
    serviceId = service.id;

    const unlinked = await kubidu(['ls']);
    expect(unlinked.code).toBe(2);
    expect(unlinked.stderr).toMatch(/^Error \[USAGE\]: No service: run "kubidu link"/);

    const l = await kubidu(['link', '--project', slug, '--service', 'api'], workDir);
    expect(l.code, l.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(workDir, '.kubidu.json'), 'utf8'))).toMatchObject({ projectId: project.id, serviceId });

    const list = await kubidu(['services', '--json']); // from a subdirectory: link found walking up
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((x: { id: string }) => x.id)).toEqual([serviceId]);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ namespace: `kubidu-${slug}`, argocdApp: `${slug}.api` });

    // The table shows where each service deploys and which Argo CD Application Kubidu syncs.
    const table = await kubidu(['services']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/NAMESPACE +ARGO CD APP/);
    expect(table.stdout).toContain(`kubidu-${slug}`);
    expect(table.stdout).toContain(`${slug}.api`);
  });

  it('deploys twice with --wait; both end RUNNING in turn', async () => {
    const a = await kubidu(['deploy', '--image', 'registry.example.com/shop/api:1.0', '--env', 'LOG_LEVEL=debug', '--env', 'DSN=a=b=c', '--wait']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/is RUNNING/);
    const b = await kubidu([
      'deploy', '-i', 'registry.example.com/shop/api:2.0', '-e', 'LOG_LEVEL=info', '-e', 'FEATURE_X=on', '--replicas', '2',
      '-m', 'new checkout', '--wait', '--json',
    ]);
    expect(b.code, b.stderr).toBe(0);
    const row = JSON.parse(b.stdout) as DeploymentView;
    expect(row).toMatchObject({ status: 'RUNNING', imageUrl: 'registry.example.com/shop/api:2.0', replicas: 2, isCurrent: true });
    const rows = await history();
    [v2, v1] = rows;
    expect(v2.id).toBe(row.id);
    expect(v1).toMatchObject({ status: 'SUCCESS', canRollback: true, imageUrl: 'registry.example.com/shop/api:1.0' });
    const detail = (await stack.request<DeploymentDetail>('GET', `/api/deployments/${v1.id}`, token)).body;
    expect(detail.env.find((e) => e.key === 'DSN')?.value).toBe('a=b=c');
  });

  it('ls shows the table; --json parses and matches the API rows', async () => {
    const t = await kubidu(['ls']);
    expect(t.code, t.stderr).toBe(0);
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/ID\s+STATUS\s+IMAGE\s+MESSAGE\s+AUTHOR\s+AGE/);
    expect(lines[1]).toMatch(new RegExp(`^\\*\\s+${v2.id.slice(0, 8)}\\s+RUNNING\\s+registry\\.example\\.com/shop/api:2\\.0\\s+new checkout\\s+${email}`));
    expect(lines[2]).toMatch(new RegExp(`^\\s+${v1.id.slice(0, 8)}\\s+SUCCESS\\s+registry\\.example\\.com/shop/api:1\\.0`));
    expect(t.stdout).not.toContain('\u001b[');

    const j = await kubidu(['deployments', '--json', '--limit', '10']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual(await history());
  });

  it('without a terminal and without --yes, rollback refuses (exit 2) and changes nothing', async () => {
    const before = await history();
    const r = await kubidu(['rollback', v1.id.slice(0, 8)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('image');
    expect(r.stderr).toMatch(/^Error \[CONFIRMATION_REQUIRED\]: Refusing to roll back without confirmation.*--yes/m);
    expect(await history()).toEqual(before);
  });

  it('rollback by prefix with --yes --wait → exit 0, the new row is RUNNING and points at the target', async () => {
    const r = await kubidu(['rollback', v1.id.slice(0, 8), '--yes', '--wait', '--reason', 'checkout 500s']);
    expect(r.code, r.stderr).toBe(0);
    // The diff was printed: image, replicas, env keys.
    expect(r.stdout).toMatch(/image\s+registry\.example\.com\/shop\/api:2\.0 → registry\.example\.com\/shop\/api:1\.0/);
    expect(r.stdout).toMatch(/replicas\s+2 → 1/);
    expect(r.stdout).toMatch(/- FEATURE_X removed/);
    expect(r.stdout).toMatch(/~ LOG_LEVEL: info → debug/);
    const [newest] = await history();
    expect(newest).toMatchObject({ source: 'ROLLBACK', rollbackFromId: v1.id, status: 'RUNNING', isCurrent: true, reason: 'checkout 500s' });
    expect(r.stdout).toContain(`Rollback queued: deployment ${newest.id.slice(0, 8)} ↩ ${v1.id.slice(0, 8)}`);

    const t = await kubidu(['ls', '--limit', '1']);
    expect(t.stdout).toContain(`↩ ${v1.id.slice(0, 8)}`);
  });

  it('rollback --json with no id does not propose v2, the deployment the rollback just left: v1; stdout is the new row', async () => {
    const r = await kubidu(['rollback', '--yes', '--wait', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout) as DeploymentView; // stdout is only the JSON
    expect(row).toMatchObject({ source: 'ROLLBACK', rollbackFromId: v1.id, status: 'RUNNING' });
    const [newest] = await history();
    expect(row).toEqual(newest);
    expect(r.stderr).toContain('What will change');
  });

  it('on a service of its own: v1, v2, v3, roll v3 back to v1; rollback with no id proposes v2, not v3', async () => {
    const { projectId } = (await stack.request<{ projectId: string }>('GET', `/api/services/${serviceId}`, token)).body;
    const svc = await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, token, { name: 'default-target', port: 3000 });
    expect(svc.status).toBe(201);
    const on = (args: string[]) => kubidu([...args, '--service', svc.body.id]);
    const rows: DeploymentView[] = [];
    for (const tag of ['1', '2', '3']) {
      const d = await on(['deploy', '-i', `registry.example.com/shop/default:${tag}`, '--wait', '--json']);
      expect(d.code, d.stderr).toBe(0);
      rows.push(JSON.parse(d.stdout));
    }
    const [d1, d2, d3] = rows;
    const back = await on(['rollback', d1.id, '--yes', '--wait', '--json']);
    expect(back.code, back.stderr).toBe(0);
    const r = await on(['rollback', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`to ${d2.id.slice(0, 8)} (registry.example.com/shop/default:2,`);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'ROLLBACK', rollbackFromId: d2.id });
    expect(JSON.parse(r.stdout).rollbackFromId).not.toBe(d3.id);
  });

  it('a failing deploy with --wait exits 1 with the message; rolling back to it, to the current one or to a bad one is refused at once with the API message, no diff', async () => {
    // The rollbacks above hold new deploys (issue 10): this one goes through on purpose.
    const d = await kubidu(['deploy', '-i', 'registry.example.com/shop/api:3.0-broken', '--reason', 'FAIL_SYNC', '--override-hold', '--wait']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`Error [DEPLOYMENT_FAILED]`);
    expect(d.stderr).toContain(FAIL_MESSAGE);
    const failed = (await history())[0];
    expect(failed.status).toBe('FAILED');
    const current = (await history()).find((x) => x.isCurrent)!;

    const before = await history();
    for (const [target, args] of [
      [failed, ['rollback', failed.id.slice(0, 10), '--yes']],
      [failed, ['rollback', failed.id.slice(0, 10)]], // without a terminal: the refusal, not "needs --yes"
      [current, ['rollback', current.id, '--yes']],
    ] as const) {
      const r = await kubidu([...args]);
      expect(r.code).toBe(1);
      const api = await stack.request<{ code: string; message: string }>('POST', `/api/deployments/${target.id}/rollback`, token, {});
      expect(api.status).toBeGreaterThanOrEqual(400);
      expect(r.stderr.trim()).toBe(`Error [${api.body.code}]: ${api.body.message}`);
      expect(r.stdout).toBe('');
    }
    expect(await history()).toEqual(before);
  });

  it("someone else's deployment → exit 1 with 403 shown", async () => {
    const other = await stack.register();
    const otherConfig = await mkdtemp(join(tmpdir(), 'kubidu-cli-other-'));
    const otherEnv = cliEnv(stack.apiUrl, otherConfig);
    const login = await kubidu(['login', '--token', other.token], workDir, otherEnv);
    expect(login.code, login.stderr).toBe(0);
    const r = await kubidu(['rollback', v1.id, '--yes'], workDir, otherEnv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[FORBIDDEN\]: .*\(HTTP 403\)$/m);
    expect(r.stderr).not.toContain(v1.id);
    const s = await kubidu(['status', v1.id], workDir, otherEnv);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/\(HTTP 403\)/);
  });

  it('status and audit print data, and their --json parses', async () => {
    const s = await kubidu(['status']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/Status\s+RUNNING/);
    const sj = await kubidu(['status', v1.id.slice(0, 8), '--json']);
    expect(sj.code, sj.stderr).toBe(0);
    const detail = JSON.parse(sj.stdout) as DeploymentDetail;
    expect(detail).toEqual((await stack.request('GET', `/api/deployments/${v1.id}`, token)).body);

    const a = await kubidu(['audit', '--json', '--limit', '100']);
    expect(a.code, a.stderr).toBe(0);
    const rows = JSON.parse(a.stdout) as { action: string; serviceId: string | null }[];
    expect(rows.map((x) => x.action)).toContain('DEPLOYMENT_ROLLBACK');
    expect(rows.every((x) => x.serviceId === serviceId)).toBe(true);
    const at = await kubidu(['audit']);
    expect(at.stdout).toMatch(/AGE\s+ACTOR\s+ACTION/);
  });

  it('an ambiguous prefix lists the candidates and exits 2', async () => {
    // Two rows whose ids share 8 characters (random uuids practically never do).
    const shared = 'abcdef12';
    for (const n of [1, 2]) {
      await stack.ds.query(
        `INSERT INTO deployments (id, service_id, status, source, image_url, port, replicas, actor, finished_at)
         VALUES ($1, $2, 'SUCCESS', 'API', $3, 3000, 1, $4, now())`,
        [`${shared}-0000-4000-8000-00000000000${n}`, serviceId, `registry.example.com/shop/api:0.${n}`, email],
      );
    }
    const r = await kubidu(['rollback', shared, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error \[AMBIGUOUS_ID\]: .*matches 2 deployments/m);
    expect(r.stderr).toContain(`${shared}-0000-4000-8000-000000000001`);
    expect(r.stderr).toContain(`${shared}-0000-4000-8000-000000000002`);
    const short = await kubidu(['rollback', 'abcdef1', '--yes']);
    expect(short.code).toBe(2);
  });

  it('logout signs the token out on the server, then forgets it', async () => {
    const path = join(configDir, 'kubidu', 'credentials.json');
    const stored: string = JSON.parse(await readFile(path, 'utf8')).servers[stack.apiUrl].token;
    expect((await stack.request('GET', '/api/me', stored)).status).toBe(200);
    const r = await kubidu(['logout']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Logged out of ${stack.apiUrl}`);
    // The server no longer accepts it: a copy of the file is worth nothing now.
    expect((await stack.request('GET', '/api/me', stored)).status).toBe(401);
    expect(JSON.parse(await readFile(path, 'utf8')).servers[stack.apiUrl]).toBeUndefined();
    const who = await kubidu(['whoami']);
    expect(who.code).toBe(1);
    expect(who.stderr).toMatch(/Error \[NOT_LOGGED_IN\]/);
  });

  it('logout of a token the server already ended just forgets it; an API token is forgotten and said to stay valid', async () => {
    const path = join(configDir, 'kubidu', 'credentials.json');
    expect((await kubidu(['login', '--email', email, '--password', password])).code).toBe(0);
    const jwt: string = JSON.parse(await readFile(path, 'utf8')).servers[stack.apiUrl].token;
    const minted = await stack.request<{ token: string }>('POST', '/api/tokens', jwt, { name: 'cli-test' });
    expect(minted.status).toBe(201);
    expect((await stack.request('POST', '/api/auth/logout', jwt)).status).toBe(204);
    const gone = await kubidu(['logout']);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain(`Logged out of ${stack.apiUrl}`);

    expect((await kubidu(['login', '--token', minted.body.token])).code).toBe(0);
    const api = await kubidu(['logout', '--json']);
    expect(api.code).toBe(0);
    expect(JSON.parse(api.stdout)).toEqual({ apiUrl: stack.apiUrl, loggedOut: true, server: 'api-token-kept' });
    expect((await stack.request('GET', '/api/me', minted.body.token)).status).toBe(200);
    expect(JSON.parse(await readFile(path, 'utf8')).servers[stack.apiUrl]).toBeUndefined();
  });
});
