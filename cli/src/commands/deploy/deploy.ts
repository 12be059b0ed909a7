/** `kubidu deploy --image REF`: queues a deployment of the linked (or given) service. */
import type { DeployBody } from '@kubidu/core/contract/deployments';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { UsageError } from '../../lib/errors.js';
import { followDeployment } from '../../lib/follow.js';
import { ENV_KEY, parseKeyValues } from '../../lib/key-value.js';
import { printJson } from '../../lib/output.js';
import { resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';

export interface DeployArgs extends GlobalArgs, ServiceFlags {
  image: string;
  env?: (string | number)[];
  secret?: (string | number)[];
  unset?: (string | number)[];
  replaceEnv?: boolean;
  port?: number;
  replicas?: number;
  cpu?: string;
  memory?: string;
  message?: string;
  reason?: string;
  overrideHold?: boolean;
  wait?: boolean;
  timeout?: number;
}

/** Builds the request body from flags (pure; unit-tested). What it leaves out, the API keeps from the current deployment. */
export function deployBody(args: DeployArgs): DeployBody {
  const env = parseKeyValues(args.env, 'env');
  const secrets = parseKeyValues(args.secret, 'secret');
  const both = Object.keys(env).filter((k) => Object.hasOwn(secrets, k));
  if (both.length) throw new UsageError(`${both.join(', ')} given as both --env and --secret`);
  const body: DeployBody = { image: args.image };
  if (Object.keys(env).length) body.env = env;
  if (Object.keys(secrets).length) body.secrets = secrets;
  const unset = [...new Set((args.unset ?? []).map(String))];
  for (const k of unset) if (!ENV_KEY.test(k)) throw new UsageError(`--unset key "${k}" must match ${ENV_KEY.source}`);
  const setToo = unset.filter((k) => Object.hasOwn(env, k) || Object.hasOwn(secrets, k));
  if (setToo.length) throw new UsageError(`${setToo.join(', ')} given both to --unset and to --env/--secret`);
  if (unset.length && args.replaceEnv) throw new UsageError('--unset has no meaning with --replace-env (the env given is the whole set)');
  if (unset.length) body.unset = unset;
  if (args.replaceEnv) body.replaceEnv = true;
  if (args.port !== undefined) body.port = wholeNumber(args.port, 'port');
  if (args.replicas !== undefined) body.replicas = wholeNumber(args.replicas, 'replicas');
  if (args.cpu) body.cpuLimit = args.cpu;
  if (args.memory) body.memoryLimit = args.memory;
  if (args.message) body.commitMessage = args.message;
  if (args.reason) body.reason = args.reason;
  if (args.overrideHold) body.override = true;
  return body;
}

/** yargs turns `--replicas abc` into NaN; say so instead of sending null. */
export function wholeNumber(value: number, flag: string): number {
  if (!Number.isInteger(value)) throw new UsageError(`--${flag} must be a whole number`);
  return value;
}

/** Queues the deployment; with --wait follows it to the end. */
export async function run(args: DeployArgs, deps: Deps): Promise<void> {
  const body = deployBody(args);
  const { api } = await openSession(args, deps);
  const service = await resolveService(api, args, deps.cwd);
  let row = await api.createDeployment(service.id, body);
  if (!args.json) {
    deps.stdout.write(`Queued deployment ${shortId(row.id)} of ${service.name}: ${row.imageUrl}\n`);
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
