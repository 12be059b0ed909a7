/** `kubidu deployments` (alias `ls`): the service's history, newest first. */
import type { DeployHoldView, DeploymentView } from '@kubidu/core/contract/deployments';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { formatDeploymentsTable, formatHold } from '../../lib/format-deployment.js';
import { printJson, terminalWidth } from '../../lib/output.js';
import { resolveService, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';

export interface DeploymentsArgs extends GlobalArgs, ServiceFlags {
  limit?: number;
}

/** Prints the history table (or the rows as JSON). */
export async function run(args: DeploymentsArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  const service = await resolveService(api, args, deps.cwd);
  const limit = Math.max(1, args.limit ?? 20);
  const rows: DeploymentView[] = [];
  let cursor: string | undefined;
  let hold: DeployHoldView | null = null;
  while (rows.length < limit) {
    const page = await api.listDeployments(service.id, { limit: Math.min(100, limit - rows.length), cursor });
    rows.push(...page.items);
    hold ??= page.hold;
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  if (args.json) return printJson(deps.stdout, rows);
  if (hold) deps.stdout.write(formatHold(hold, deps.now(), out));
  if (rows.length === 0) {
    deps.stdout.write(`No deployments of ${service.name} yet. Deploy with: kubidu deploy --image REF\n`);
    return;
  }
  deps.stdout.write(formatDeploymentsTable(rows, deps.now(), out, terminalWidth(deps.stdout)));
}
