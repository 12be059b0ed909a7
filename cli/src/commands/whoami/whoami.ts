/** `kubidu whoami`: who the stored (or given) token belongs to. */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { printJson } from '../../lib/output.js';
import { openSession } from '../../lib/session.js';

/** Prints the caller's email (and the API URL). */
export async function run(args: GlobalArgs, deps: Deps): Promise<void> {
  const { api, apiUrl } = await openSession(args, deps);
  const me = await api.me();
  if (args.json) printJson(deps.stdout, { ...me, apiUrl });
  else deps.stdout.write(`${me.email} on ${apiUrl}\n`);
}
