/**
 * Outgoing webhooks end to end (issue 20, item 3): the live stack (API + in-process
 * controller with its delivery worker + Postgres + git smart-HTTP remote), the real
 * `kubidu` binary, and a real local HTTP receiver that verifies every signature.
 * A hook added with `kubidu webhooks add` receives, signed, the events of every door:
 * a deploy through the API, a deploy, a rollback and a bad mark through the CLI, and a
 * `git revert` pushed to the manifests repo; a first attempt that fails is retried, and
 * `kubidu webhooks deliveries` shows the attempts; `rm` stops the deliveries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentPage, DeploymentView } from '@kubidu/core/contract/deployments';
import type { DeliveryList, WebhookView } from '@kubidu/core/contract/webhooks';
import { startTestStack, type TestStack } from '../../../test-support/stack.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';
import { waitFor } from '../../../test-support/wait.js';
import { cliEnv, runKubidu } from '../support/run-cli.js';

const SECRET = 'e2e-receiver-secret-1234';
let stack: TestStack;
let receiver: WebhookReceiver;
let env: NodeJS.ProcessEnv;
let workDir: string;
let token: string;
let email: string;
let projectSlug: string;
let serviceId: string;
let hook: WebhookView;

const kubidu = (args: string[], input?: string) => runKubidu(args, { cwd: workDir, env, input });
const page = async () => (await stack.request<DeploymentPage>('GET', `/api/services/${serviceId}/deployments?limit=100`, token)).body;
type Accepted = { type: string; actor: string; deployment: { id: string; source: string; via: string | null; rollbackOfId: string | null } | null; details: Record<string, unknown> };
const accepted = () => receiver.accepted().map((a) => a.body as unknown as Accepted);
const arrived = (what: string, pred: (e: Accepted) => boolean) =>
  waitFor(what, async () => accepted().find(pred), { timeoutMs: 30_000 });

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  stack = await startTestStack({
    sync: null,
    secrets: null,
    env: {
      KUBIDU_GIT_POLL_SECONDS: '3600',
      KUBIDU_WEBHOOK_ALLOW_PRIVATE: 'true', // the receiver listens on loopback
      KUBIDU_WEBHOOK_POLL_MS: '50',
      KUBIDU_WEBHOOK_RETRY_BASE_MS: '100',
      KUBIDU_WEBHOOK_TIMEOUT_MS: '2000',
    },
  });
  workDir = await mkdtemp(join(tmpdir(), 'kubidu-cli-webhooks-'));
  const user = await stack.register();
  token = user.token;
  email = user.email;
  env = cliEnv(stack.apiUrl, await mkdtemp(join(tmpdir(), 'kubidu-cli-webhooks-config-')), { KUBIDU_TOKEN: token });
  const project = await stack.request<{ id: string; slug: string }>('POST', '/api/projects', token, { name: 'Hooked' });
  projectSlug = project.body.slug;
  serviceId = (await stack.request<{ id: string }>('POST', `/api/projects/${project.body.id}/services`, token, { name: 'api', port: 3000 })).body.id;
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('outgoing webhooks through every door', () => {
  it('kubidu webhooks add (secret from stdin) and ls', async () => {
    const add = await kubidu(['webhooks', 'add', receiver.url, '--project', projectSlug, '--secret-stdin', '--json'], SECRET);
    expect(add.code, add.stderr).toBe(0);
    hook = JSON.parse(add.stdout);
    expect(hook).toMatchObject({ url: receiver.url, format: 'json', enabled: true });
    expect(hook.events).toHaveLength(10);
    expect(add.stdout).not.toContain(SECRET);
    const ls = await kubidu(['webhooks', 'ls', '--project', projectSlug]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`${hook.id.slice(0, 8)}\\s+${receiver.url.replace(/[./]/g, '\\$&')}\\s+json\\s+all\\s+yes`));
  });

  it('a deploy through the API: started and succeeded arrive, signed; the first attempt failed (500) and was retried', async () => {
    receiver.script([500]);
    const v1 = await stack.request<DeploymentView>('POST', `/api/services/${serviceId}/deployments`, token, { image: 'registry.example.com/hooked/api:1.0' });
    expect(v1.status).toBe(202);
    const started = await arrived('deployment.started from the API', (e) => e.type === 'deployment.started' && e.deployment?.id === v1.body.id);
    expect(started).toMatchObject({ actor: email, deployment: { source: 'API' } });
    await arrived('deployment.succeeded from the controller', (e) => e.type === 'deployment.succeeded' && e.deployment?.id === v1.body.id);
    expect(receiver.received[0]).toMatchObject({ answered: 500, verified: true });
    const d = await kubidu(['webhooks', 'deliveries', hook.id.slice(0, 8), '--project', projectSlug, '--json']);
    expect(d.code, d.stderr).toBe(0);
    const log = JSON.parse(d.stdout) as DeliveryList;
    const first = log.items.filter((i) => i.deliveryId === receiver.received[0].headers['x-kubidu-delivery']).reverse();
    expect(first.map((i) => [i.attempt, i.outcome, i.statusCode])).toEqual([
      [1, 'RETRY', 500],
      [2, 'DELIVERED', 200],
    ]);
    expect(first[0].nextRetryAt).not.toBeNull();
    const table = await kubidu(['webhooks', 'deliveries', hook.id.slice(0, 8), '--project', projectSlug]);
    expect(table.stdout).toMatch(/deployment\.started\s+\S+\s+1\s+RETRY\s+500/);
  });

  it('a deploy, a rollback and a bad mark through the CLI arrive, each carrying its source', async () => {
    const a = await kubidu(['deploy', '-i', 'registry.example.com/hooked/api:2.0', '--wait', '--service', serviceId]);
    expect(a.code, a.stderr).toBe(0);
    const [v2, v1] = (await page()).items;
    await arrived('deployment.started via the CLI', (e) => e.type === 'deployment.started' && e.deployment?.id === v2.id && e.deployment.via === 'cli');
    const rb = await kubidu(['rollback', v1.id.slice(0, 8), '--yes', '--wait', '--reason', 'errors on 2.0', '--service', serviceId]);
    expect(rb.code, rb.stderr).toBe(0);
    const row = (await page()).items[0];
    const started = await arrived('rollback.started', (e) => e.type === 'rollback.started' && e.deployment?.id === row.id);
    expect(started.deployment).toMatchObject({ source: 'ROLLBACK', via: 'cli', rollbackOfId: v1.id });
    await arrived('hold.set', (e) => e.type === 'hold.set' && e.details.rollbackId === row.id);
    await arrived('rollback.succeeded', (e) => e.type === 'rollback.succeeded' && e.deployment?.id === row.id);
    const m = await kubidu(['mark-bad', v2.id.slice(0, 8), '--reason', 'errors on 2.0', '--service', serviceId]);
    expect(m.code, m.stderr).toBe(0);
    await arrived('deployment.marked_bad', (e) => e.type === 'deployment.marked_bad' && e.deployment?.id === v2.id && e.details.reason === 'errors on 2.0');
  });

  it('a git revert pushed to the manifests repo arrives from the git door (source GIT), with the hold it released', async () => {
    const rb = (await page()).items[0];
    const wt = await cloneFresh(stack.manifestsUrl);
    try {
      expect((await gitCli(wt, 'rev-parse', 'HEAD')).trim()).toBe(rb.manifestsCommitSha);
      await gitCli(wt, 'revert', '--no-edit', 'HEAD');
      await gitCli(wt, 'push', '-q', 'origin', 'HEAD:main');
    } finally {
      await rm(wt, { recursive: true, force: true });
    }
    stack.controller!.triggerImport();
    const git = await arrived('an event of the git row', (e) => e.deployment?.source === 'GIT' && e.type.endsWith('.started'));
    expect(git.actor).not.toBe(email);
    await arrived('hold.released by the git revert', (e) => e.type === 'hold.released' && e.details.by === 'git revert');
    await arrived('the git row succeeded', (e) => e.deployment?.id === git.deployment!.id && e.type.endsWith('.succeeded'));
  });

  it('every request was signed and answered once per delivery: nothing delivered twice', async () => {
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const delivered = receiver.received.filter((r) => r.answered === 200).map((r) => r.headers['x-kubidu-delivery']);
    expect(new Set(delivered).size).toBe(delivered.length);
  });

  it('kubidu webhooks rm: the hook is gone and nothing more arrives', async () => {
    const r = await kubidu(['webhooks', 'rm', hook.id.slice(0, 8), '--project', projectSlug]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Removed webhook ${hook.id.slice(0, 8)}`);
    const before = receiver.received.length;
    const u = await kubidu(['unmark-bad', (await page()).items.find((d) => d.bad)!.id, '--service', serviceId]);
    expect(u.code, u.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect(receiver.received.length).toBe(before);
    const ls = await kubidu(['webhooks', '--project', projectSlug]);
    expect(ls.stdout).toContain('has no webhooks');
  });
});
