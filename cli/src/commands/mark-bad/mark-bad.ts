/**
 * `kubidu mark-bad ID --reason R` / `kubidu unmark-bad ID`: a deployment marked
 * bad is no rollback target and its exact image cannot be deployed again until
 * it is unmarked.
 */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { UsageError } from '../../lib/errors.js';
import { printJson } from '../../lib/output.js';
import { resolveDeployment, resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';

export interface MarkBadArgs extends GlobalArgs, ServiceFlags {
  /** Required by both commands' yargs definitions. */
  deploymentId?: string;
  reason?: string;
}

/** Marks (reason required) or, with `unmark`, unmarks one deployment. */
export async function run(args: MarkBadArgs, deps: Deps, unmark = false): Promise<void> {
  const { api } = await openSession(args, deps);
  if (!args.deploymentId) throw new UsageError('Name the deployment (full id or a prefix of at least 8 characters)');
  const target = await resolveDeployment(api, args.deploymentId, () => resolveService(api, args, deps.cwd));
  const row = unmark ? await api.unmarkBad(target.id) : await api.markBad(target.id, args.reason ?? '');
  if (args.json) return printJson(deps.stdout, row);
  deps.stdout.write(
    unmark
      ? `Unmarked ${shortId(row.id)} (${row.imageUrl}): it can be rolled back to and deployed again.\n`
      : `Marked ${shortId(row.id)} (${row.imageUrl}) bad: ${row.bad?.reason}. It is no rollback target and its image cannot be deployed until: kubidu unmark-bad ${shortId(row.id)}\n`,
  );
}
