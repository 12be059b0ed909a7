/** `kubidu services set <service> --auto-rollback | --no-auto-rollback` (issue 20). */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { UsageError } from '../../lib/errors.js';
import { printJson } from '../../lib/output.js';
import { findServiceByName, isUuid, resolveProjectFromContext } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';

export interface ServicesSetArgs extends GlobalArgs {
  service: string;
  project?: string;
  autoRollback?: boolean;
}

/** Changes one service's settings; today the automatic-rollback opt-in. */
export async function runSet(args: ServicesSetArgs, deps: Deps): Promise<void> {
  if (args.autoRollback === undefined) throw new UsageError('Nothing to set: pass --auto-rollback or --no-auto-rollback');
  const { api } = await openSession(args, deps);
  const service = isUuid(args.service)
    ? await api.getService(args.service)
    : await findServiceByName(api, (await resolveProjectFromContext(api, args, deps.cwd)).id, args.service);
  const updated = await api.updateService(service.id, { autoRollback: args.autoRollback });
  if (args.json) return printJson(deps.stdout, updated);
  deps.stdout.write(
    updated.autoRollback
      ? `Automatic rollback is on for ${updated.name}: a deploy Argo CD declares failed is marked bad and rolled back through Git\n`
      : `Automatic rollback is off for ${updated.name}\n`,
  );
}
