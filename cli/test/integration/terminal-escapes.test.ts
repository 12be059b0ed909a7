/**
 * Issue 16, item 9, through the real `kubidu` binary against the live stack: text
 * that came from outside (a git author's name, a commit subject, a server's error
 * message) reaches the terminal without its control characters, so it cannot set
 * the window title, clear the screen or move the cursor. `--json` keeps the data
 * whole, escaped the JSON way.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import type { SyncRunner } from '../../../controller/src/reconcile/deploy-one.js';
import { cloneFresh } from '../../../test-support/git-cli.js';
import { waitFor } from '../../../test-support/wait.js';
import { cliEnv, runKubidu, type CliResult } from '../support/run-cli.js';
import type { DeploymentPage, DeploymentView } from '@kubidu/core/contract/deployments';

/** The name and subject of the hostile commit: OSC title + BEL, clear screen, cursor up, a C1 CSI, backspaces. */
const EVIL_NAME = 'Eve\u001b]0;PWNED\u0007\u001b[2J';
const EVIL_SUBJECT = 'bump \u001b[1Ared\u009b2J\b\b overwritten';
/** C0 controls but \t and \n, DEL, and C1. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let stack: TestStack;
let env: NodeJS.ProcessEnv;
let workDir: string;
let token: string;
let serviceId: string;
let gitRow: DeploymentView;
let fakeApi: Server;

const running: SyncRunner = {
  appNameFor: (project, service) => `${project}.${service}`,
  run: async (input) => ({ outcome: 'RUNNING', message: 'Synced and Healthy', syncedRevision: input.commitSha }),
};

const kubidu = (args: string[]) => runKubidu([...args, '--service', serviceId], { cwd: workDir, env });
const page = async () => (await stack.request<DeploymentPage>('GET', `/api/services/${serviceId}/deployments?limit=100`, token)).body;

function git(cwd: string, gitEnv: Record<string, string>, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...gitEnv } }, (err, stdout, stderr) =>
      err ? reject(new Error(`git ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout.trim()),
    ),
  );
}

function expectNoControls(r: CliResult) {
  expect(r.stdout).not.toMatch(CONTROL);
  expect(r.stderr).not.toMatch(CONTROL);
}

beforeAll(async () => {
  stack = await startTestStack({ sync: running, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '3600' } });
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-escapes-'));
  token = (await stack.register()).token;
  env = cliEnv(stack.apiUrl, await mkdtemp(join(tmpdir(), 'kubidu-cli-escapes-config-')), { KUBIDU_TOKEN: token });
  const project = await stack.request<{ id: string; slug: string }>('POST', '/api/projects', token, { name: 'Shop' });
  const service = await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'api', port: 3000 });
  serviceId = service.body.id;
  const v1 = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, token, { image: 'registry.example.com/shop/api:1.0' });
  expect(v1.status).toBe(202);
  await waitFor('v1 RUNNING', async () => (await page()).items.find((d) => d.id === v1.body.id && d.status === 'RUNNING'));

  // Eve edits the tag by hand; her name and subject carry terminal escapes.
  const wt = await cloneFresh(stack.manifestsUrl);
  try {
    const kust = join(wt, `apps/${project.body.slug}/api/kustomization.yaml`);
    await writeFile(kust, (await readFile(kust, 'utf8')).replace(/newTag: "1\.0"/, 'newTag: "1.1"'));
    const eve = { GIT_AUTHOR_NAME: EVIL_NAME, GIT_AUTHOR_EMAIL: 'eve@example.com', GIT_COMMITTER_NAME: 'Eve', GIT_COMMITTER_EMAIL: 'eve@example.com' };
    await git(wt, eve, 'commit', '-qam', EVIL_SUBJECT);
    await git(wt, eve, 'push', '-q', 'origin', 'HEAD:main');
  } finally {
    await rm(wt, { recursive: true, force: true });
  }
  stack.controller!.triggerImport();
  gitRow = await waitFor('the GIT row RUNNING', async () => (await page()).items.find((d) => d.source === 'GIT' && d.status === 'RUNNING'));
  // The hostile text really is stored as written: what the CLI prints is its business.
  expect(gitRow.actor).toContain(EVIL_NAME);

  // An API that answers every request with an error message full of escapes.
  fakeApi = createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statusCode: 503, code: 'UNAVAILABLE', error: 'Service Unavailable', message: `down\u001b]0;PWNED\u0007\u001b[2J for \u009b1;1H maintenance` }));
  });
  await new Promise<void>((resolve) => fakeApi.listen(0, '127.0.0.1', resolve));
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => fakeApi?.close(resolve));
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the CLI prints no control characters from outside', () => {
  it('`kubidu deployments` shows Eve’s commit without the escapes in her name and subject', async () => {
    const r = await kubidu(['deployments']);
    expect(r.code, r.stderr).toBe(0);
    expectNoControls(r);
    const line = r.stdout.split('\n').find((l) => l.includes(gitRow.id.slice(0, 8)))!;
    expect(line).toContain('bump [1Ared2J overwritten');
    expect(line).toContain('Eve]0;PWNED[2J <eve@example.');
    // Columns still line up: widths are measured on what is printed.
    const header = r.stdout.split('\n').find((l) => l.includes('STATUS'))!;
    expect(line.indexOf('just now')).toBe(header.search(/\bAGE\b/));
  });

  it('`kubidu status` and `kubidu audit` too', async () => {
    const s = await kubidu(['status', gitRow.id]);
    expect(s.code, s.stderr).toBe(0);
    expectNoControls(s);
    expect(s.stdout).toContain('bump [1Ared2J overwritten');
    const a = await kubidu(['audit']);
    expect(a.code, a.stderr).toBe(0);
    expectNoControls(a);
    expect(a.stdout).toContain('Eve]0;PWNED[2J');
  });

  it('`--json` keeps the data whole, escaped as JSON (no raw control bytes)', async () => {
    const r = await kubidu(['deployments', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expectNoControls(r);
    const rows = JSON.parse(r.stdout) as DeploymentView[];
    const row = rows.find((d) => d.id === gitRow.id)!;
    expect(row.actor).toContain(EVIL_NAME);
    expect(row.commitMessage).toBe(gitRow.commitMessage);
  });

  it('a server’s error message is printed without its escapes', async () => {
    const addr = fakeApi.address() as { port: number };
    const r = await runKubidu(['whoami', '--api-url', `http://127.0.0.1:${addr.port}`], { cwd: workDir, env });
    expect(r.code).toBe(1);
    expectNoControls(r);
    expect(r.stderr).toMatch(/down\]0;PWNED\[2J for 1;1H maintenance/);
  });
});
