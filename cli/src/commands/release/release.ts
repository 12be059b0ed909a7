/** `kubidu release`: ends the deploy hold a rollback put on the linked (or given) service. */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { printJson } from '../../lib/output.js';
import { resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge } from '../../lib/table.js';

export type ReleaseArgs = GlobalArgs & ServiceFlags;

/** Releases the hold; 409 DEPLOY_NOT_HELD (exit 1) when there is none. */
export async function run(args: ReleaseArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const service = await resolveService(api, args, deps.cwd);
  const r = await api.release(service.id);
  if (args.json) return printJson(deps.stdout, r);
  deps.stdout.write(
    `Released the deploy hold on ${service.name} (set by rollback ${shortId(r.released.rollbackId)}, ${r.released.heldBy}, ` +
      `${formatAge(r.released.createdAt, deps.now())}). New deploys go through again.\n`,
  );
}
