/**
 * Commands' `run(args, deps)` called in-process with a fake stdout and scripted
 * prompts, against the real API + controller + Postgres + git remote. Covers the
 * interactive paths a child process without a terminal cannot reach.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { fakeDeps } from '../support/fake-deps.js';
import { run as login } from '../../src/commands/login/login.js';
import { run as link } from '../../src/commands/link/link.js';
import { run as deploy } from '../../src/commands/deploy/deploy.js';
import { run as rollback } from '../../src/commands/rollback/rollback.js';
import { run as deployments } from '../../src/commands/deployments/deployments.js';
import type { Page } from '@kubidu/core/contract/common';
import type { DeploymentView } from '@kubidu/core/contract/deployments';

let stack: TestStack;
let configDir: string;
let cwd: string;
let token: string;
let email: string;
let password: string;
let serviceId: string;
let v1: DeploymentView;
let v2: DeploymentView;

const g = () => ({ apiUrl: stack.apiUrl });

async function history(): Promise<DeploymentView[]> {
  return (await stack.request<Page<DeploymentView>>('GET', `/api/services/${serviceId}/deployments?limit=100`, token)).body.items;
}

beforeAll(async () => {
  stack = await startTestStack({ sync: null, secrets: null });
  configDir = await mkdtemp(join(tmpdir(), 'kubidu-run-config-'));
  cwd = await mkdtemp(join(tmpdir(), 'kubidu-run-work-'));
  ({ token, email, password } = await stack.register());
  const p = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: `run-${Date.now().toString(36)}` });
  const s = await stack.request<{ id: string }>('POST', `/api/projects/${p.body.id}/services`, token, { name: 'worker' });
  serviceId = s.body.id;
});

afterAll(async () => {
  await stack?.stop();
});

describe('run(args, deps) against the live API', () => {
  it('login asks for email and password on a terminal', async () => {
    const deps = fakeDeps({ cwd, configDir, interactive: true, answers: [email, password] });
    await login(g(), deps);
    expect(deps.asked.map((a) => a.kind)).toEqual(['input', 'password']);
    expect(deps.out()).toBe(`Logged in to ${stack.apiUrl} as ${email}\n`);
  });

  it('login without a terminal and without flags is a usage error', async () => {
    const deps = fakeDeps({ cwd, configDir, interactive: false });
    await expect(login(g(), deps)).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
  });

  it('link chooses project and service from lists on a terminal', async () => {
    const projects = (await stack.request<{ items: { name: string }[] }>('GET', '/api/projects', token)).body.items;
    const deps = fakeDeps({ cwd, configDir, interactive: true, answers: [projects[0].name, 'worker'] });
    await link(g(), deps);
    expect(deps.asked.map((a) => a.kind)).toEqual(['select', 'select']);
    expect(deps.out()).toContain('/worker');
  });

  it('deploy --wait follows with the spinner to RUNNING (twice)', async () => {
    for (const [image, envs] of [['reg.example.com/w:1', ['MODE=a']], ['reg.example.com/w:2', ['MODE=b', 'NEW=1']]] as const) {
      const deps = fakeDeps({ cwd, configDir });
      await deploy({ ...g(), image, env: [...envs], wait: true, timeout: 60 }, deps);
      expect(deps.spinnerLog[0]).toMatch(/^start Waiting for deployment/);
      expect(deps.spinnerLog.at(-1)).toMatch(/^succeed Deployment [0-9a-f]{8} is RUNNING/);
    }
    [v2, v1] = await history();
    expect(v1.canRollback).toBe(true);
  });

  it('rollback prints the diff before asking; the question defaults to No; "no" changes nothing', async () => {
    const before = await history();
    const deps = fakeDeps({ cwd, configDir, interactive: true, answers: [false] });
    await expect(rollback({ ...g(), deploymentId: v1.id.slice(0, 8) }, deps)).rejects.toMatchObject({ code: 'CANCELLED', exitCode: 2 });
    expect(deps.asked).toHaveLength(1);
    expect(deps.asked[0]).toMatchObject({ kind: 'confirm', defaultValue: false, message: `Roll back worker to ${v1.id.slice(0, 8)}?` });
    expect(deps.asked[0].stdoutBefore).toMatch(/image\s+reg\.example\.com\/w:2 → reg\.example\.com\/w:1/);
    expect(deps.asked[0].stdoutBefore).toMatch(/- NEW removed/);
    expect(deps.asked[0].stdoutBefore).toMatch(/~ MODE: b → a/);
    expect(await history()).toEqual(before);
  });

  it('rollback to the current deployment fails before asking', async () => {
    const deps = fakeDeps({ cwd, configDir, interactive: true, answers: [] });
    await expect(rollback({ ...g(), deploymentId: v2.id }, deps)).rejects.toMatchObject({ code: 'ROLLBACK_TARGET_CURRENT', exitCode: 1 });
    expect(deps.asked).toHaveLength(0);
  });

  it('"yes" rolls back; --wait ends RUNNING; the table shows the ↩ marker', async () => {
    const deps = fakeDeps({ cwd, configDir, interactive: true, answers: [true] });
    await rollback({ ...g(), wait: true, timeout: 60 }, deps); // no id: previous successful = v1
    const [newest] = await history();
    expect(newest).toMatchObject({ source: 'ROLLBACK', rollbackFromId: v1.id, status: 'RUNNING' });
    const table = fakeDeps({ cwd, configDir });
    await deployments({ ...g(), limit: 5 }, table);
    // The rollback holds deploys (issue 10): the table starts with that, then the header.
    expect(table.out().split('\n')[0]).toMatch(new RegExp(`^⏸ Deploys held since rollback ${newest.id.slice(0, 8)} .*kubidu release$`));
    expect(table.out().split('\n')[2]).toMatch(new RegExp(`^\\*\\s+${newest.id.slice(0, 8)}\\s+RUNNING.*↩ ${v1.id.slice(0, 8)}$`));
  });
});
