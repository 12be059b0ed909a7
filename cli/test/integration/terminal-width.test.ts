/**
 * The CLI fits the terminal (issue 15, item 10): the `kubidu` binary in a real
 * pseudo-terminal (tmux) at 100 and 80 columns. No `kubidu ls` row wraps, and
 * help wraps at word boundaries: every word of the narrow help is a word of the
 * same help laid out on a wide terminal.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cliEnv, KUBIDU_BIN } from '../support/run-cli.js';
import type { DeploymentView } from '@kubidu/core/contract/deployments';
import { waitFor } from '../../../test-support/wait.js';

const exec = promisify(execFile);
const TMUX = '/usr/bin/tmux';

let stack: TestStack;
let token: string;
let serviceId: string;
let socket: string;
let env: NodeJS.ProcessEnv;
let workDir: string;
let session = 0;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function tmux(...args: string[]): Promise<string> {
  const { stdout } = await exec(TMUX, ['-S', socket, ...args], { env });
  return stdout;
}

/**
 * Runs `kubidu <args>` on a `width`-column terminal until it exits; returns the
 * screen as displayed (one entry per terminal line) and with wrapped lines joined.
 */
async function onTerminal(width: number, args: string[]): Promise<{ lines: string[]; joined: string[] }> {
  const name = `w${width}-${++session}`;
  const assignments = ['KUBIDU_API_URL', 'XDG_CONFIG_HOME', 'NO_COLOR'].map((k) => `${k}=${q(env[k]!)}`).join(' ');
  const cmd = `cd ${q(workDir)} && env ${assignments} ${q(process.execPath)} ${q(KUBIDU_BIN)} ${args.map(q).join(' ')}; echo EXIT=$?; sleep 300`;
  await tmux('new-session', '-d', '-x', String(width), '-y', '200', '-s', name, cmd);
  await tmux('set-option', '-t', name, 'history-limit', '5000');
  const capture = async (join: boolean) => (await tmux('capture-pane', '-p', ...(join ? ['-J'] : []), '-S', '-', '-t', name)).trimEnd().split('\n');
  await waitFor(`kubidu ${args.join(' ')} exits`, () => capture(false), { until: (l) => l.some((x) => /^EXIT=\d+$/.test(x)), timeoutMs: 30_000, intervalMs: 150 });
  const lines = await capture(false);
  const joined = await capture(true);
  await tmux('kill-session', '-t', name);
  const end = (l: string[]) => l.slice(0, l.findIndex((x) => /^EXIT=\d+$/.test(x)));
  expect(lines.find((x) => /^EXIT=/.test(x))).toBe('EXIT=0');
  return { lines: end(lines), joined: end(joined) };
}

const words = (lines: string[]) => new Set(lines.join(' ').split(/\s+/).filter(Boolean));

beforeAll(async () => {
  stack = await startTestStack({ sync: null, secrets: null });
  const dir = await mkdtemp(join(tmpdir(), 'kubidu-width-'));
  socket = join(dir, 'tmux.sock');
  workDir = dir;
  env = { ...cliEnv(stack.apiUrl, join(dir, 'config')), NO_COLOR: '1' };
  // An address as long as people's are: the row that wrapped at 100 columns had alice@example.com cut in two.
  const user = await stack.register(`alice.${Date.now().toString(36)}.longname@example.com`);
  token = user.token;
  const project = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: `width-${Date.now().toString(36)}` });
  const service = await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'checkout', port: 8080 });
  serviceId = service.body.id;
  for (const [tag, message] of [
    ['2026.11.25-build.1234', 'first checkout release with the new payment provider and the retry queue'],
    ['2026.11.26-build.1301', 'hotfix: idempotent refunds'],
  ]) {
    const r = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, token, {
      image: `registry.example.com/some-team/checkout-service:${tag}`,
      reason: message,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await waitFor('deployed', async () => (await stack.request<DeploymentView>('GET', `/api/deployments/${r.body.id}`, token)).body, {
      until: (d) => d.status === 'RUNNING',
      intervalMs: 150,
    });
  }
  await exec(process.execPath, [KUBIDU_BIN, 'login', '--token', token], { env, cwd: workDir });
  // One session that outlives the others: tmux's server exits with its last session, and a
  // new-session racing that exit failed with "server exited unexpectedly" in a CI run.
  await tmux('new-session', '-d', '-s', 'keepalive', 'sleep 3600');
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await stack?.stop();
});

describe('the CLI fits the terminal', () => {
  it.each([100, 80])('kubidu ls at %i columns: one line per row, none wider than the terminal', async (width) => {
    const { lines, joined } = await onTerminal(width, ['ls', '--service', serviceId]);
    expect(lines, lines.join('\n')).toEqual(joined); // nothing wrapped
    expect(lines).toHaveLength(3); // header + two rows
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(width);
    expect(lines[0]).toMatch(/ID\s+STATUS\s+IMAGE/);
    expect(lines[1]).toMatch(/^\*\s+[0-9a-f]{8}\s+RUNNING\s+registry\./);
  }, 90_000);

  it.each([100, 80])('help at %i columns wraps at word boundaries', async (width) => {
    for (const args of [['--help'], ['rollback', '--help'], ['deploy', '--help'], ['ls', '--help']]) {
      const wide = await onTerminal(200, args);
      const narrow = await onTerminal(width, args);
      expect(narrow.lines, narrow.lines.join('\n')).toEqual(narrow.joined); // yargs wrapped it, not the terminal
      const known = words(wide.lines);
      // A word split in two ("conf irmation") shows up as tokens the wide help does not have. (cliui may glue a
      // description to its type when they meet exactly, "stdout[boolean]": two whole words, not a broken one.)
      const glued = (w: string) => [...known].some((a) => w.startsWith(a) && known.has(w.slice(a.length)));
      const broken = [...words(narrow.lines)].filter((w) => !known.has(w) && !glued(w));
      expect(broken, `${args.join(' ')} at ${width}:\n${narrow.lines.join('\n')}`).toEqual([]);
    }
  }, 120_000);
});
