/**
 * `kubidu env`: the env a service runs with, and changing it. A deploy keeps the
 * current env; `env set` / `env unset` are how it changes, each a new deployment
 * of the current image (PATCH /api/services/:id/env). Secret values are read from
 * a prompt or stdin, never from the command line (argv shows in `ps` and shell history).
 */
import type { EnvPatchBody } from '@kubidu/core/contract/deployments';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { UsageError } from '../../lib/errors.js';
import { followDeployment } from '../../lib/follow.js';
import { ENV_KEY, parseKeyValues } from '../../lib/key-value.js';
import { printJson } from '../../lib/output.js';
import { resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatTable } from '../../lib/table.js';

/** `kubidu env`. */
export type EnvListArgs = GlobalArgs & ServiceFlags;

/** Options `env set` and `env unset` share. */
export interface EnvChangeArgs extends GlobalArgs, ServiceFlags {
  message?: string;
  reason?: string;
  overrideHold?: boolean;
  wait?: boolean;
  timeout?: number;
}

/** `kubidu env set K=V … [--secret K]…`. */
export interface EnvSetArgs extends EnvChangeArgs {
  pairs?: (string | number)[];
  secret?: (string | number)[];
}

/** `kubidu env unset K …`. */
export interface EnvUnsetArgs extends EnvChangeArgs {
  keys: (string | number)[];
}

/** Prints the env of the service's current deployment: plain values, secrets as "(hidden)". */
export async function runList(args: EnvListArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const service = await resolveService(api, args, deps.cwd);
  const r = await api.getServiceEnv(service.id);
  if (args.json) return printJson(deps.stdout, r);
  if (!r.deploymentId) {
    deps.stdout.write(`${service.name} has never been deployed, so it has no env yet. Deploy an image with: kubidu deploy --image REF\n`);
    return;
  }
  if (r.env.length === 0) {
    deps.stdout.write(`${service.name} runs with no env variables (deployment ${shortId(r.deploymentId)}). Set some with: kubidu env set KEY=VALUE\n`);
    return;
  }
  deps.stdout.write(`Env of ${service.name} (deployment ${shortId(r.deploymentId)}); deploys keep it:\n`);
  deps.stdout.write(formatTable(['NAME', 'VALUE'], r.env.map((e) => [e.key, e.isSecret ? '(hidden)' : flat(e.value ?? '')])));
}

/** A value on one table line: newlines shown as ⏎ (the value itself is unchanged). */
function flat(value: string): string {
  return value.replace(/\r?\n/g, '⏎');
}

/** Reads each named secret's value: a hidden prompt on a terminal, else stdin (one secret only). */
export async function readSecrets(names: readonly (string | number)[], deps: Deps): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const raw of names) {
    const name = String(raw);
    if (name.includes('=')) {
      throw new UsageError(
        `--secret takes only the name (--secret ${name.slice(0, name.indexOf('='))}); the value is asked for, or read from stdin, never taken from the command line, where ps and shell history would show it`,
      );
    }
    if (!ENV_KEY.test(name)) throw new UsageError(`--secret key "${name}" must match ${ENV_KEY.source}`);
    if (Object.hasOwn(out, name)) throw new UsageError(`--secret ${name} is given more than once`);
    out[name] = '';
  }
  const keys = Object.keys(out);
  if (keys.length === 0) return out;
  if (deps.interactive) {
    for (const key of keys) out[key] = await deps.prompts.password(`Value of secret ${key}:`);
    return out;
  }
  if (keys.length > 1) throw new UsageError('stdin carries one secret value: give one --secret at a time, or run on a terminal to be asked for each');
  // One trailing newline (from echo or a file) is not part of the value.
  const value = (await deps.readStdin()).replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`no value for secret ${keys[0]} on stdin (pipe it in: printf %s "$VALUE" | kubidu env set --secret ${keys[0]})`);
  out[keys[0]] = value;
  return out;
}

/** Sets plain variables (`K=V`) and secrets (`--secret K`) as a new deployment of the current image. */
export async function runSet(args: EnvSetArgs, deps: Deps): Promise<void> {
  const set = parseKeyValues(args.pairs, 'env', 'KEY=VALUE argument');
  if (Object.keys(set).length === 0 && !args.secret?.length) throw new UsageError('name at least one KEY=VALUE or --secret KEY');
  const secrets = await readSecrets(args.secret ?? [], deps);
  const both = Object.keys(set).filter((k) => Object.hasOwn(secrets, k));
  if (both.length) throw new UsageError(`${both.join(', ')} given both as KEY=VALUE and as --secret`);
  const body: EnvPatchBody = {};
  if (Object.keys(set).length) body.set = set;
  if (Object.keys(secrets).length) body.secrets = secrets;
  await change(args, deps, body);
}

/** Removes variables (plain or secret) as a new deployment of the current image. */
export async function runUnset(args: EnvUnsetArgs, deps: Deps): Promise<void> {
  const keys = args.keys.map(String);
  for (const k of keys) if (!ENV_KEY.test(k)) throw new UsageError(`key "${k}" must match ${ENV_KEY.source}`);
  await change(args, deps, { unset: [...new Set(keys)] });
}

/** Sends the change, prints the new deployment, and with --wait follows it like `kubidu deploy`. */
async function change(args: EnvChangeArgs, deps: Deps, body: EnvPatchBody): Promise<void> {
  if (args.message) body.commitMessage = args.message;
  if (args.reason) body.reason = args.reason;
  if (args.overrideHold) body.override = true;
  const { api } = await openSession(args, deps);
  const service = await resolveService(api, args, deps.cwd);
  let row = await api.changeEnv(service.id, body);
  if (!args.json) {
    const what = [
      ...(body.set ? [`set ${Object.keys(body.set).join(', ')}`] : []),
      ...(body.secrets ? [`set secret ${Object.keys(body.secrets).join(', ')}`] : []),
      ...(body.unset ? [`unset ${body.unset.join(', ')}`] : []),
    ].join('; ');
    deps.stdout.write(`Queued deployment ${shortId(row.id)} of ${service.name}: ${row.imageUrl} (${what}; the rest of the env kept)\n`);
    if (row.holdOverridden) deps.stdout.write(`Deployed through the deploy hold; it stays in force for other deploys (release it with: kubidu release)\n`);
  }
  if (args.wait) {
    try {
      row = await followDeployment(api, row.id, deps, args.timeout ?? 600);
    } catch (err) {
      if (args.json) printJson(deps.stdout, await api.getDeployment(row.id).then(({ env: _e, ...r }) => r));
      throw err;
    }
  }
  if (args.json) printJson(deps.stdout, row);
}
