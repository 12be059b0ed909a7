/**
 * The rollback confirmation through a real pseudo-terminal (tmux): the diff is
 * on screen before the question, Enter and "n" change nothing, "y" rolls back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cliEnv, KUBIDU_BIN } from '../support/run-cli.js';
import type { Page } from '@kubidu/core/contract/common';
import type { DeploymentView } from '@kubidu/core/contract/deployments';
import { waitFor } from '../../../test-support/wait.js';

const exec = promisify(execFile);
const TMUX = '/usr/bin/tmux';

let stack: TestStack;
let token: string;
let serviceId: string;
let v1: DeploymentView;
let socket: string;
let env: NodeJS.ProcessEnv;
let workDir: string;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function tmux(...args: string[]): Promise<string> {
  const { stdout } = await exec(TMUX, ['-S', socket, ...args], { env });
  return stdout;
}

async function screen(name: string): Promise<string> {
  return tmux('capture-pane', '-p', '-J', '-t', name);
}

function waitForScreen(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return waitFor(`${pattern} on the terminal`, () => screen(name), { until: (s) => pattern.test(s), timeoutMs, intervalMs: 150 });
}

/** Starts `kubidu <args>` in a detached 200x50 tmux session (NO_COLOR set unless `color`). */
async function startInTerminal(name: string, args: string[], opts: { color?: boolean } = {}): Promise<void> {
  const keys = ['KUBIDU_API_URL', 'XDG_CONFIG_HOME', 'KUBIDU_POLL_INTERVAL_MS', ...(opts.color ? [] : ['NO_COLOR'])];
  const assignments = keys.map((k) => `${k}=${q(env[k]!)}`).join(' ');
  const unset = opts.color ? '-u NO_COLOR ' : '';
  const cmd = `cd ${q(workDir)} && env ${unset}${assignments} ${q(process.execPath)} ${q(KUBIDU_BIN)} ${args.map(q).join(' ')}; echo EXIT=$?; sleep 300`;
  await tmux('new-session', '-d', '-x', '200', '-y', '50', '-s', name, cmd);
}

async function history(): Promise<DeploymentView[]> {
  const r = await stack.request<Page<DeploymentView>>('GET', `/api/services/${serviceId}/deployments?limit=100`, token);
  return r.body.items;
}

async function deployAndWait(image: string, env: Record<string, string>): Promise<DeploymentView> {
  const r = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, token, { image, env });
  expect(r.status).toBe(202);
  const d = await waitFor(`${image} finished`, async () => (await stack.request<DeploymentView>('GET', `/api/deployments/${r.body.id}`, token)).body, {
    until: (x) => x.status === 'RUNNING' || x.status === 'FAILED',
    intervalMs: 150,
  });
  if (d.status === 'FAILED') throw new Error(`deploy failed: ${d.statusMessage}`);
  return d;
}

beforeAll(async () => {
  stack = await startTestStack({ sync: null, secrets: null });
  const dir = await mkdtemp(join(tmpdir(), 'kubidu-tty-'));
  socket = join(dir, 'tmux.sock');
  workDir = dir;
  env = cliEnv(stack.apiUrl, join(dir, 'config'));
  const user = await stack.register();
  token = user.token;
  const project = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: `tty-${Date.now().toString(36)}` });
  expect(project.status).toBe(201);
  const service = await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'web', port: 8080 });
  expect(service.status).toBe(201);
  serviceId = service.body.id;
  v1 = await deployAndWait('registry.example.com/tty/web:1.0', { GREETING: 'hello' });
  await deployAndWait('registry.example.com/tty/web:1.1', { GREETING: 'hi', EXTRA: '1' });
  // Log in through the CLI itself, from the terminal session's environment.
  await exec(process.execPath, [KUBIDU_BIN, 'login', '--token', token], { env, cwd: workDir });
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await stack?.stop();
});

describe('rollback confirmation in a real terminal', () => {
  it('shows the diff before the question; Enter (default No) and "n" change nothing', async () => {
    const before = await history();
    for (const [name, keys] of [['enter', ['Enter']], ['no', ['n', 'Enter']]] as const) {
      await startInTerminal(name, ['rollback', '--service', serviceId, v1.id.slice(0, 8)]);
      const shown = await waitForScreen(name, /Roll back web to [0-9a-f]{8}\? \(y\/N\)/);
      const lines = shown.split('\n');
      const question = lines.findIndex((l) => /\(y\/N\)/.test(l));
      const imageLine = lines.findIndex((l) => /image\s+registry\.example\.com\/tty\/web:1\.1 → registry\.example\.com\/tty\/web:1\.0/.test(l));
      const envLine = lines.findIndex((l) => /- EXTRA removed/.test(l));
      expect(imageLine).toBeGreaterThanOrEqual(0);
      expect(envLine).toBeGreaterThan(imageLine);
      expect(question).toBeGreaterThan(envLine);
      expect(shown).not.toContain('Rollback queued');
      // NO_COLOR is set: not one SGR (colour) sequence on the screen, prompt included.
      expect(await tmux('capture-pane', '-p', '-e', '-t', name)).not.toContain('\u001b[');
      await tmux('send-keys', '-t', name, ...keys);
      const end = await waitForScreen(name, /EXIT=\d+/);
      expect(end).toContain('EXIT=2');
      expect(end).toMatch(/Error \[CANCELLED\]: Rollback cancelled; nothing was changed/);
      expect(await history()).toEqual(before);
    }
  });

  it('"y" rolls back, and --wait follows it with a spinner to RUNNING', async () => {
    await startInTerminal('yes', ['rollback', '--service', serviceId, v1.id.slice(0, 8), '--wait']);
    await waitForScreen('yes', /\(y\/N\)/);
    await tmux('send-keys', '-t', 'yes', 'y', 'Enter');
    const end = await waitForScreen('yes', /EXIT=\d+/);
    expect(end).toContain('EXIT=0');
    const [newest] = await history();
    expect(newest).toMatchObject({ source: 'ROLLBACK', rollbackFromId: v1.id, status: 'RUNNING' });
    expect(end).toContain(`Rollback queued: deployment ${newest.id.slice(0, 8)}`);
    expect(end).toMatch(new RegExp(`Deployment ${newest.id.slice(0, 8)} is RUNNING`));
  });

  it('on a terminal without NO_COLOR the table is coloured', async () => {
    await startInTerminal('color', ['ls', '--service', serviceId], { color: true });
    await waitForScreen('color', /EXIT=0/);
    const coloured = await tmux('capture-pane', '-p', '-e', '-t', 'color');
    expect(coloured).toMatch(/\u001b\[[0-9;]*32m(\*|RUNNING)/); // green current marker / status
  });
});
