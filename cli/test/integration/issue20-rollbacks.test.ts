/**
 * Issue 20 through the real `kubidu` binary against the live stack (API + in-process
 * controller + Postgres + git smart-HTTP remote): `kubidu services set <svc> --auto-rollback`
 * turns the opt-in on and off, and `kubidu rollback --project <p> --to <time>` previews the
 * project rollback, rolls the changed services back in one commit, and follows the release.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { cliEnv, runKubidu } from '../support/run-cli.js';

let stack: TestStack;
let env: NodeJS.ProcessEnv;
let workDir: string;
let token: string;
const kubidu = (args: string[]) => runKubidu(args, { cwd: workDir, env, timeoutMs: 120_000 });

beforeAll(async () => {
  stack = await startTestStack({ secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '3600' } });
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-issue20-'));
  token = (await stack.register()).token;
  env = cliEnv(stack.apiUrl, await mkdtemp(join(tmpdir(), 'kubidu-cli-issue20-config-')), { KUBIDU_TOKEN: token });
  const p = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Shop' });
  for (const name of ['web', 'api']) await stack.request('POST', `/api/projects/${p.body.id}/services`, token, { name });
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('kubidu and issue 20', () => {
  it('services set --auto-rollback / --no-auto-rollback; a missing flag is a usage error', { timeout: 60_000 }, async () => {
    const on = await kubidu(['services', 'set', 'web', '--project', 'shop', '--auto-rollback']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/Automatic rollback is on for web/);
    const json = await kubidu(['services', '--project', 'shop', '--json']);
    expect(JSON.parse(json.stdout).find((s: { name: string }) => s.name === 'web').autoRollback).toBe(true);
    const off = await kubidu(['services', 'set', 'web', '--project', 'shop', '--no-auto-rollback']);
    expect(off.stdout).toMatch(/off for web/);
    const none = await kubidu(['services', 'set', 'web', '--project', 'shop']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/--auto-rollback/);
  });

  it('rollback --project --to <time> --yes --wait: preview, one commit for both services, the release RUNNING', { timeout: 180_000 }, async () => {
    for (const s of ['web', 'api']) {
      const r = await kubidu(['deploy', '-i', `ghcr.io/acme/${s}:1.0`, '--project', 'shop', '--service', s, '--wait']);
      expect(r.code, r.stderr).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 50));
    const at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    for (const s of ['web', 'api']) {
      const r = await kubidu(['deploy', '-i', `ghcr.io/acme/${s}:2.0`, '--project', 'shop', '--service', s, '--wait']);
      expect(r.code, r.stderr).toBe(0);
    }
    const bad = await kubidu(['rollback', '--project', 'shop', '--to', 'last tuesday', '--yes']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/neither a release id nor a time/);
    const noTty = await kubidu(['rollback', '--project', 'shop', '--to', at]);
    expect(noTty.code).toBe(2);

    const r = await kubidu(['rollback', '--project', 'shop', '--to', at, '--yes', '--wait', '--reason', '2.0 broke checkout']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/web → \w{8}\s+ghcr\.io\/acme\/web:2\.0 → ghcr\.io\/acme\/web:1\.0/);
    expect(r.stdout).toMatch(/api → \w{8}\s+ghcr\.io\/acme\/api:2\.0 → ghcr\.io\/acme\/api:1\.0/);
    expect(r.stdout).toMatch(/Release \w{8} is RUNNING/);
    const wt = await cloneFresh(stack.manifestsUrl);
    const subject = (await gitCli(wt, 'log', '-1', '--format=%s')).trim();
    expect(subject).toBe(`rollback(shop): 2 services to the state at ${at}`);
    const again = await kubidu(['rollback', '--project', 'shop', '--to', at, '--yes']);
    expect(again.code).not.toBe(0);
    expect(again.stdout + again.stderr).toMatch(/skipped \(already at/);
  });
});
