/**
 * `kubidu webhooks`: a project's outgoing webhooks (/api/projects/:id/webhooks) —
 * list, add, remove, and each hook's delivery log. The signing secret never goes
 * on the command line (ps and shell history show argv): `add` generates one and
 * prints it once, or reads it from stdin with --secret-stdin.
 */
import { randomBytes } from 'node:crypto';
import type { DeliveryList, WebhookList, WebhookView } from '@kubidu/core/contract/webhooks';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS, type WebhookEvent, type WebhookFormat } from '@kubidu/core/contract/webhook-words';
import type { ApiClient } from '../../lib/api-client.js';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { CliError, UsageError } from '../../lib/errors.js';
import { printJson } from '../../lib/output.js';
import { resolveProjectFromContext, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge, formatTable } from '../../lib/table.js';

/** `kubidu webhooks [ls]`. */
export type WebhooksArgs = GlobalArgs & Pick<ServiceFlags, 'project'>;

/** `kubidu webhooks add URL`. */
export interface WebhookAddArgs extends WebhooksArgs {
  url: string;
  event?: string[];
  format?: string;
  secretStdin?: boolean;
}

/** `kubidu webhooks rm HOOK` and `kubidu webhooks deliveries HOOK`. */
export interface WebhookRefArgs extends WebhooksArgs {
  hook: string;
  limit?: number;
}

const base = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/webhooks`;

/** The events `--event` names: each a WEBHOOK_EVENTS name, a family (`rollback` = rollback.*) or `all`. */
export function parseEvents(given: readonly string[] | undefined): WebhookEvent[] {
  if (!given || given.length === 0 || given.includes('all')) return [...WEBHOOK_EVENTS];
  const out = new Set<WebhookEvent>();
  for (const raw of given.flatMap((g) => String(g).split(','))) {
    const e = raw.trim();
    const family = WEBHOOK_EVENTS.filter((w) => w.startsWith(`${e}.`));
    if ((WEBHOOK_EVENTS as readonly string[]).includes(e)) out.add(e as WebhookEvent);
    else if (family.length > 0 && !e.includes('.')) family.forEach((f) => out.add(f));
    else throw new UsageError(`unknown event "${e}": use all, deployment, rollback, hold, or one of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  return WEBHOOK_EVENTS.filter((e) => out.has(e));
}

/** The hook named by a full id or a unique prefix of at least 8 characters. */
async function findHook(api: ApiClient, projectId: string, ref: string): Promise<WebhookView> {
  const r = ref.trim().toLowerCase();
  if (!/^[0-9a-f-]{8,36}$/.test(r)) throw new UsageError(`"${ref}" is not a webhook id (a uuid, or at least its first 8 characters; see "kubidu webhooks")`);
  const { items } = await api.request<WebhookList>('GET', base(projectId));
  const hits = items.filter((h) => h.id.startsWith(r));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) throw new UsageError(`"${ref}" matches ${hits.length} webhooks; give more of the id`, hits.map((h) => `${h.id}  ${h.url}`));
  throw new CliError('WEBHOOK_NOT_FOUND', `No webhook ${ref} in this project (see "kubidu webhooks")`);
}

/** Lists the project's hooks. */
export async function runList(args: WebhooksArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const { items } = await api.request<WebhookList>('GET', base(project.id));
  if (args.json) return printJson(deps.stdout, items);
  if (items.length === 0) {
    deps.stdout.write(`${project.name} has no webhooks. Add one with: kubidu webhooks add https://hooks.example.com/kubidu\n`);
    return;
  }
  const now = deps.now();
  deps.stdout.write(
    formatTable(
      ['ID', 'URL', 'FORMAT', 'EVENTS', 'ENABLED', 'CREATED'],
      items.map((h) => [
        out.cyan(shortId(h.id)),
        h.url,
        h.format,
        h.events.length === WEBHOOK_EVENTS.length ? 'all' : h.events.join(','),
        h.enabled ? 'yes' : 'no',
        formatAge(h.createdAt, now),
      ]),
    ),
  );
}

/** Adds a hook; prints a generated secret once (or takes one from stdin). */
export async function runAdd(args: WebhookAddArgs, deps: Deps): Promise<void> {
  const events = parseEvents(args.event);
  const format = (args.format ?? 'json') as WebhookFormat;
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${WEBHOOK_FORMATS.join(', ')}, got "${args.format}"`);
  let secret: string;
  let generated = false;
  if (args.secretStdin) {
    secret = (await deps.readStdin()).replace(/\r?\n$/, '');
    if (secret.length < 8) throw new UsageError('--secret-stdin: the secret on stdin must be at least 8 characters (pipe it in: printf %s "$SECRET" | kubidu webhooks add URL --secret-stdin)');
  } else {
    secret = randomBytes(24).toString('hex');
    generated = true;
  }
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const hook = await api.request<WebhookView>('POST', base(project.id), { body: { url: args.url, secret, events, format } });
  if (args.json) return printJson(deps.stdout, generated ? { ...hook, secret } : hook);
  deps.stdout.write(`Added webhook ${shortId(hook.id)} → ${hook.url} (${hook.format}; ${hook.events.length === WEBHOOK_EVENTS.length ? 'all events' : hook.events.join(', ')})\n`);
  if (generated) {
    deps.stdout.write(`Signing secret (shown only now; deliveries carry X-Kubidu-Signature-256: sha256=HMAC of the body):\n  ${secret}\n`);
  }
}

/** Removes a hook (its queued deliveries go with it). */
export async function runRemove(args: WebhookRefArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const hook = await findHook(api, project.id, args.hook);
  await api.request('DELETE', `${base(project.id)}/${hook.id}`);
  if (args.json) return printJson(deps.stdout, { removed: hook.id });
  deps.stdout.write(`Removed webhook ${shortId(hook.id)} (${hook.url})\n`);
}

/** The hook's delivery attempts, newest first, and what still waits. */
export async function runDeliveries(args: WebhookRefArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const hook = await findHook(api, project.id, args.hook);
  const r = await api.request<DeliveryList>('GET', `${base(project.id)}/${hook.id}/deliveries`, { query: { limit: args.limit } });
  if (args.json) return printJson(deps.stdout, r);
  const now = deps.now();
  if (r.items.length === 0 && r.pending.length === 0) {
    deps.stdout.write(`No deliveries yet for webhook ${shortId(hook.id)}.\n`);
    return;
  }
  if (r.items.length > 0) {
    const color = (o: string) => (o === 'DELIVERED' ? out.green(o) : o === 'FAILED' ? out.red(o) : out.yellow(o));
    deps.stdout.write(
      formatTable(
        ['WHEN', 'EVENT', 'DELIVERY', 'ATTEMPT', 'OUTCOME', 'STATUS', 'MS', 'NEXT RETRY', 'ERROR'],
        r.items.map((d) => [
          formatAge(d.createdAt, now),
          d.eventType,
          shortId(d.deliveryId),
          String(d.attempt),
          color(d.outcome),
          d.statusCode === null ? '-' : String(d.statusCode),
          String(d.durationMs),
          d.nextRetryAt ?? '-',
          d.error ?? '',
        ]),
      ),
    );
  }
  if (r.pending.length > 0) {
    deps.stdout.write(`Waiting (${r.pending.length}):\n`);
    deps.stdout.write(
      formatTable(
        ['EVENT', 'DELIVERY', 'ATTEMPTS', 'NEXT ATTEMPT'],
        r.pending.map((p) => [p.eventType, shortId(p.deliveryId), String(p.attempts), p.nextAttemptAt]),
      ),
    );
  }
}
