/**
 * Issue 10 through the real `kubidu` binary against the live stack (API +
 * in-process controller + Postgres + git smart-HTTP remote): an image-only
 * rollback with a reason (seen in the commit body and by the sync step), the
 * deploy hold it sets (409, --override-hold, release), a `git revert` of the
 * rollback imported by the git door, bad marks, and one history listing every
 * row with its door and actor.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import type { SyncRunner } from '../../../controller/src/reconcile/deploy-one.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { cliEnv, runKubidu } from '../support/run-cli.js';
import type { DeploymentDetail, DeploymentPage, DeploymentView } from '@kubidu/core/contract/deployments';
import { fakeDeps } from '../support/fake-deps.js';
import { run as listDeployments } from '../../src/commands/deployments/deployments.js';
import { waitFor } from '../../../test-support/wait.js';

let stack: TestStack;
let env: NodeJS.ProcessEnv;
let workDir: string;
let token: string;
let email: string;
let serviceId: string;
let v1: DeploymentView;
let v2: DeploymentView;
let rb: DeploymentView;
/** What the sync step was handed, per deployment: the reason reaches Argo CD's sync infos from here. */
const syncReasons = new Map<string, string | null>();

const recordingSync: SyncRunner = {
  appNameFor: (project, service) => `${project}-${service}`,
  async run(input) {
    syncReasons.set(input.deploymentId, input.reason);
    return { outcome: 'RUNNING', message: 'Synced and Healthy', syncedRevision: input.commitSha };
  },
};

const kubidu = (args: string[]) => runKubidu([...args, '--service', serviceId], { cwd: workDir, env });
const page = async () => (await stack.request<DeploymentPage>('GET', `/api/services/${serviceId}/deployments?limit=100`, token)).body;


beforeAll(async () => {
  stack = await startTestStack({ sync: recordingSync, secrets: null, env: { KUBIDU_GIT_POLL_SECONDS: '3600' } });
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-issue10-'));
  const user = await stack.register();
  token = user.token;
  email = user.email;
  env = cliEnv(stack.apiUrl, await mkdtemp(join(tmpdir(), 'kubidu-cli-issue10-config-')), { KUBIDU_TOKEN: token });
  const project = await stack.request<{ id: string }>('POST', '/api/projects', token, { name: 'Shop' });
  const service = await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'api', port: 3000 });
  serviceId = service.body.id;
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('issue 10 through the kubidu binary', () => {
  it('v1 from the CLI, v2 from the API: each row records its client', async () => {
    const a = await kubidu(['deploy', '-i', 'registry.example.com/shop/api:1.0', '-e', 'MODE=one', '--wait']);
    expect(a.code, a.stderr).toBe(0);
    const b = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, token, {
      image: 'registry.example.com/shop/api:2.0',
      env: { MODE: 'two', EXTRA: 'x' },
    });
    expect(b.status).toBe(202);
    await waitFor('v2 RUNNING', async () => (await page()).items[0], { until: (d) => d.status === 'RUNNING' });
    [v2, v1] = (await page()).items;
    expect(v1).toMatchObject({ door: 'cli', via: 'cli', status: 'SUCCESS' });
    expect(v2).toMatchObject({ door: 'api', via: 'api', isCurrent: true });
  });

  it('rollback --only image with a reason: only the image changes; the reason reaches the row, the commit body and the sync step; deploys are held', async () => {
    const r = await kubidu(['rollback', v1.id.slice(0, 8), '--only', 'image', '--yes', '--wait', '--reason', 'checkout 500s on 2.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/image\s+registry\.example\.com\/shop\/api:2\.0 → registry\.example\.com\/shop\/api:1\.0/);
    expect(r.stdout).not.toMatch(/MODE|EXTRA/); // the env stays: the diff says nothing about it
    expect(r.stdout).toContain('Only the image');
    expect(r.stdout).toMatch(/Rollback queued: deployment \w{8} ↩ \w{8} \(image only\)/);
    expect(r.stdout).toContain('held until released: kubidu release');

    rb = (await page()).items[0];
    expect(rb).toMatchObject({ source: 'ROLLBACK', door: 'rollback', via: 'cli', rollbackOnly: 'image', imageUrl: v1.imageUrl, status: 'RUNNING', reason: 'checkout 500s on 2.0' });
    const detail = (await stack.request<DeploymentDetail>('GET', `/api/deployments/${rb.id}`, token)).body;
    expect(detail.env.map((e) => `${e.key}=${e.value}`)).toEqual(['EXTRA=x', 'MODE=two']);
    expect(syncReasons.get(rb.id)).toBe('checkout 500s on 2.0');
    const clone = await cloneFresh(stack.manifestsUrl);
    try {
      const body = await gitCli(clone, 'log', '-1', '--format=%B', rb.manifestsCommitSha!);
      expect(body).toContain('Reason: checkout 500s on 2.0');
      expect(body.split('\n')[0]).toBe(`rollback(${'shop'}/api): to ${v1.id.slice(0, 8)} (image only) — registry.example.com/shop/api:1.0`);
      expect(body).toContain(`Kubidu-Rollback-Of: ${v1.id}`);
    } finally {
      await rm(clone, { recursive: true, force: true });
    }

    const held = await kubidu(['deploy', '-i', 'registry.example.com/shop/api:3.0']);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/^Error \[DEPLOY_HELD\]: .*rollback .*kubidu release.*--override-hold.*\(HTTP 409\)$/m);
    // `ls` in-process with the clock pinned to the rollback's time (the hold is set in the same
    // transaction): "(just now)" then holds on a busy machine; 90 s later it reads "(1m ago)".
    const ls = async (at: number) => {
      const deps = fakeDeps({ cwd: workDir, configDir: env.XDG_CONFIG_HOME!, now: () => new Date(at) });
      await listDeployments({ apiUrl: stack.apiUrl, token, service: serviceId }, deps);
      return { stdout: deps.out() };
    };
    const heldAt = Date.parse(rb.createdAt);
    expect((await ls(heldAt + 90_000)).stdout.split('\n')[0]).toContain(`by ${email} (1m ago) — checkout 500s on 2.0.`);
    const { stdout } = await ls(heldAt);
    expect(stdout.split('\n')[0]).toBe(
      `⏸ Deploys held since rollback ${rb.id.slice(0, 8)} by ${email} (just now) — checkout 500s on 2.0. Release with: kubidu release`,
    );
    expect(stdout).toMatch(new RegExp(`${rb.id.slice(0, 8)}.*Rollback to ${v1.id.slice(0, 8)} \\(image only\\) — checkout 500s on 2\\.0.*rollback \\(CLI\\)\\s+↩ ${v1.id.slice(0, 8)} \\(image only\\)`));
  });

  it('a `git revert` of the rollback commit shows up in the same list as a git row: "reverted rollback <id>", its author', async () => {
    const wt = await cloneFresh(stack.manifestsUrl);
    try {
      expect((await gitCli(wt, 'rev-parse', 'HEAD')).trim()).toBe(rb.manifestsCommitSha);
      await gitCli(wt, 'revert', '--no-edit', 'HEAD');
      await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
    } finally {
      await rm(wt, { recursive: true, force: true });
    }
    stack.controller!.triggerImport();
    const git = await waitFor('the GIT row RUNNING', async () => (await page()).items.find((d) => d.source === 'GIT' && d.status === 'RUNNING'));
    expect(git).toMatchObject({ door: 'git', via: null, revertsDeploymentId: rb.id, revertsSource: 'ROLLBACK' });
    const ls = await kubidu(['ls']);
    expect(ls.code, ls.stderr).toBe(0);
    const line = ls.stdout.split('\n').find((l) => l.includes(git.id.slice(0, 8)))!;
    expect(line).toContain(git.actor);
    expect(line).toMatch(new RegExp(`\\bgit\\s+reverted rollback ${rb.id.slice(0, 8)}`));
    const s = await kubidu(['status', git.id]);
    expect(s.stdout).toMatch(new RegExp(`Door\\s+git, reverted rollback ${rb.id.slice(0, 8)}`));
    // Reverting the rollback undid it, and with it the deploy hold it had set.
    expect((await page()).hold).toBeNull();
    expect(ls.stdout).not.toContain('Deploys held');
  });

  it('--override-hold deploys through the hold (which stays); release ends it and says so; a second release exits 1', async () => {
    const back = await kubidu(['rollback', v1.id.slice(0, 8), '--yes', '--wait', '--reason', 'still broken']);
    expect(back.code, back.stderr).toBe(0);
    rb = (await page()).items[0];
    expect((await page()).hold).toMatchObject({ rollbackId: rb.id });
    const o = await kubidu(['deploy', '-i', 'registry.example.com/shop/api:3.0', '--override-hold', '--reason', 'hotfix', '--wait']);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain('Deployed through the deploy hold');
    const row = (await page()).items[0];
    expect(row).toMatchObject({ holdOverridden: true, door: 'cli', status: 'RUNNING' });
    expect((await page()).hold).toMatchObject({ rollbackId: rb.id });
    const audit = await stack.request<{ items: { action: string; deploymentId: string }[] }>('GET', `/api/audit?serviceId=${serviceId}&limit=100`, token);
    expect(audit.body.items).toContainEqual(expect.objectContaining({ action: 'DEPLOY_HOLD_OVERRIDDEN', deploymentId: row.id }));
    expect((await kubidu(['ls'])).stdout).toMatch(new RegExp(`${row.id.slice(0, 8)}.*hotfix.*CLI\\s+overrode hold`));

    const r = await kubidu(['release']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Released the deploy hold on api (set by rollback ${rb.id.slice(0, 8)}, ${email}`);
    expect((await page()).hold).toBeNull();
    expect((await kubidu(['ls'])).stdout).not.toContain('Deploys held');
    const again = await kubidu(['release']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Error \[DEPLOY_NOT_HELD\]: .*\(HTTP 409\)$/m);
  });

  it('mark-bad: no rollback to it, no redeploy of its image, marked in ls and status; unmark-bad lifts both', async () => {
    const m = await kubidu(['mark-bad', v2.id.slice(0, 8), '--reason', 'leaks memory']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain(`Marked ${v2.id.slice(0, 8)} (registry.example.com/shop/api:2.0) bad: leaks memory`);
    const rbBad = await kubidu(['rollback', v2.id.slice(0, 8), '--yes']);
    expect(rbBad.code).toBe(1);
    // Refused at once in the API's words, before any diff.
    const apiBad = await stack.request<{ message: string }>('POST', `/api/deployments/${v2.id}/rollback`, token, {});
    expect(apiBad.status).toBe(400);
    expect(rbBad.stderr.trim()).toBe(`Error [ROLLBACK_TARGET_BAD]: ${apiBad.body.message}`);
    expect(apiBad.body.message).toContain('leaks memory');
    expect(rbBad.stdout).toBe('');
    const dep = await kubidu(['deploy', '-i', 'registry.example.com/shop/api:2.0']);
    expect(dep.code).toBe(1);
    expect(dep.stderr).toMatch(/^Error \[IMAGE_MARKED_BAD\]: .*\(HTTP 409\)$/m);
    const ls = await kubidu(['ls']);
    expect(ls.stdout.split('\n').find((l) => l.includes(v2.id.slice(0, 8)))).toMatch(/✗ BAD: leaks memory$/);
    expect((await kubidu(['status', v2.id])).stdout).toMatch(new RegExp(`Bad\\s+leaks memory \\(marked by ${email.replace(/\./g, '\\.')}`));
    const noReason = await kubidu(['mark-bad', v2.id]);
    expect(noReason.code).toBe(2);

    const u = await kubidu(['unmark-bad', v2.id.slice(0, 8), '--json']);
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ id: v2.id, bad: null, canRollback: true });
    const again = await kubidu(['unmark-bad', v2.id]);
    expect(again.stderr).toMatch(/Error \[DEPLOYMENT_NOT_BAD\]/);
    expect((await kubidu(['deploy', '-i', 'registry.example.com/shop/api:2.0'])).code).toBe(0);
  });

  it('one history: every door and actor in one list, in order', async () => {
    const ls = await kubidu(['ls', '--limit', '100']);
    expect(ls.code, ls.stderr).toBe(0);
    const items = (await page()).items;
    const doors = ls.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => /\s(API|CLI|web|git|rollback \(CLI\))(\s|$)/.exec(l)?.[1]);
    expect(doors).toEqual(['CLI', 'CLI', 'rollback (CLI)', 'git', 'rollback (CLI)', 'API', 'CLI']);
    expect(items.map((d) => d.door)).toEqual(['cli', 'cli', 'rollback', 'git', 'rollback', 'api', 'cli']);
    expect(new Set(items.map((d) => d.actor))).toEqual(new Set([email, items.find((d) => d.door === 'git')!.actor]));
  });
});
