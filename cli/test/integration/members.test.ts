/**
 * Issue 17 through the real `kubidu` binary against the live stack (API +
 * in-process controller + Postgres + git smart-HTTP remote): the owner manages
 * members with `kubidu members`, `kubidu projects` shows each person's role, an
 * oncall member rolls back a deployer's deployment with `kubidu rollback` and is
 * the commit's author, its `Kubidu-Actor` trailer and the actor the sync step (Argo
 * CD's sync infos) is handed; a viewer's rollback is refused naming what the role
 * lacks; removing a member takes effect on their next command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import type { SyncRunner } from '../../../controller/src/reconcile/deploy-one.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';
import { cliEnv, runKubidu } from '../support/run-cli.js';
import type { DeploymentView } from '@kubidu/core/contract/deployments';

let stack: TestStack;
let workDir: string;
let projectId: string;
let serviceId: string;
type Person = { email: string; token: string; env: NodeJS.ProcessEnv };
const people: Record<'owner' | 'deployer' | 'oncall' | 'viewer', Person> = {} as never;
/** The actor the sync step was handed, per deployment (what reaches Argo CD's sync infos). */
const syncActors = new Map<string, string>();

const recordingSync: SyncRunner = {
  appNameFor: (project, service) => `${project}-${service}`,
  async run(input) {
    syncActors.set(input.deploymentId, input.actor);
    return { outcome: 'RUNNING', message: 'Synced and Healthy', syncedRevision: input.commitSha };
  },
};

const kubidu = (who: keyof typeof people, args: string[]) => runKubidu([...args, '--project', projectId], { cwd: workDir, env: people[who].env });

async function running(token: string, id: string): Promise<DeploymentView> {
  return waitFor(`${id} RUNNING`, async () => {
    const r = await stack.request<DeploymentView>('GET', `/api/deployments/${id}`, token);
    return r.body.status === 'RUNNING' ? r.body : null;
  });
}

beforeAll(async () => {
  stack = await startTestStack({ sync: recordingSync, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '3600' } });
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-issue17-'));
  for (const who of ['owner', 'deployer', 'oncall', 'viewer'] as const) {
    const u = await stack.register(`${who}-${Date.now().toString(36)}@example.com`);
    people[who] = { email: u.email, token: u.token, env: cliEnv(stack.apiUrl, await mkdtemp(join(tmpdir(), `kubidu-cli-${who}-`)), { KUBIDU_TOKEN: u.token }) };
  }
  const project = await stack.request<{ id: string }>('POST', '/api/projects', people.owner.token, { name: 'Night shift' });
  projectId = project.body.id;
  const service = await stack.request<{ id: string }>('POST', `/api/projects/${projectId}/services`, people.owner.token, { name: 'api', port: 3000 });
  serviceId = service.body.id;
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('kubidu members and roles (issue 17)', () => {
  it('the owner adds members by email with a role; everyone sees the list and their role in `kubidu projects`', async () => {
    for (const who of ['deployer', 'oncall', 'viewer'] as const) {
      const r = await kubidu('owner', ['members', 'add', people[who].email, '--role', who === 'viewer' ? 'oncall' : who]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Added ${people[who].email}`);
    }
    const set = await kubidu('owner', ['members', 'set', people.viewer.email, '--role', 'viewer']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`${people.viewer.email} is now viewer in Night shift (was oncall)`);

    const ls = await kubidu('viewer', ['members']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('you: viewer');
    for (const who of ['owner', 'deployer', 'oncall', 'viewer'] as const) expect(ls.stdout).toMatch(new RegExp(`${people[who].email}\\s+${who}`));

    const projects = await runKubidu(['projects'], { cwd: workDir, env: people.oncall.env });
    expect(projects.code, projects.stderr).toBe(0);
    expect(projects.stdout).toMatch(/ROLE/);
    expect(projects.stdout).toMatch(/Night shift\s+night-shift\s+oncall/);

    const denied = await kubidu('deployer', ['members', 'add', people.viewer.email, '--role', 'owner']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/deployer role cannot manage members/);
  });

  it('an oncall member rolls back a deployer deployment with the CLI: the commit author, trailer and sync actor are the oncall member', async () => {
    const v1 = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, people.deployer.token, { image: 'registry.example.com/night/api:1.0' });
    expect(v1.status).toBe(202);
    await running(people.deployer.token, v1.body.id);
    const v2 = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, people.deployer.token, { image: 'registry.example.com/night/api:2.0' });
    await running(people.deployer.token, v2.body.id);

    const viewerTry = await kubidu('viewer', ['rollback', v1.body.id.slice(0, 8), '--yes', '--service', 'api']);
    expect(viewerTry.code).toBe(1);
    expect(viewerTry.stderr).toMatch(/viewer role cannot roll back/);
    const deployTry = await kubidu('oncall', ['deploy', '-i', 'registry.example.com/night/api:3.0', '--service', 'api']);
    expect(deployTry.code).toBe(1);
    expect(deployTry.stderr).toMatch(/oncall role cannot deploy new images/);

    const r = await kubidu('oncall', ['rollback', v1.body.id.slice(0, 8), '--yes', '--wait', '--reason', '2.0 pages at 3am', '--service', 'api']);
    expect(r.code, r.stderr).toBe(0);
    const items = (await stack.request<{ items: DeploymentView[] }>('GET', `/api/services/${serviceId}/deployments`, people.owner.token)).body.items;
    const rb = items[0];
    expect(rb).toMatchObject({ source: 'ROLLBACK', rollbackFromId: v1.body.id, status: 'RUNNING', actor: people.oncall.email });
    expect(v1.body.actor).toBe(people.deployer.email);

    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      const author = (await gitCli(clone, 'log', '-1', '--format=%an <%ae>', rb.manifestsCommitSha!)).trim();
      expect(author).toContain(people.oncall.email);
      expect(author).not.toContain(people.deployer.email);
      const body = await gitCli(clone, 'log', '-1', '--format=%B', rb.manifestsCommitSha!);
      expect(body).toContain(`Kubidu-Actor: ${people.oncall.email}`);
      expect(body).toContain(`Kubidu-Rollback-Of: ${v1.body.id}`);
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
    expect(syncActors.get(rb.id)).toBe(people.oncall.email);
    expect(syncActors.get(v1.body.id)).toBe(people.deployer.email);
  });

  it('removing a member takes effect on their next command', async () => {
    expect((await kubidu('viewer', ['members'])).code).toBe(0);
    const rmRes = await kubidu('owner', ['members', 'rm', people.viewer.email]);
    expect(rmRes.code, rmRes.stderr).toBe(0);
    const next = await kubidu('viewer', ['members']);
    expect(next.code).toBe(1);
    expect(next.stderr).toMatch(/not a member/);
    const lastOwner = await kubidu('owner', ['members', 'rm', people.owner.email]);
    expect(lastOwner.code).toBe(1);
    expect(lastOwner.stderr).toMatch(/at least one owner/);
  });
});
