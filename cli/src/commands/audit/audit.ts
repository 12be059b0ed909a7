/** `kubidu audit`: the audit log of the linked service (or --project/--service; nothing linked: all yours). */
import type { AuditView } from '@kubidu/core/contract/audit';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { findLink } from '../../lib/link-file.js';
import { printJson } from '../../lib/output.js';
import { resolveProject, resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge, formatTable, truncate } from '../../lib/table.js';

export interface AuditArgs extends GlobalArgs, ServiceFlags {
  limit?: number;
}

/** Prints audit rows, newest first. */
export async function run(args: AuditArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  const query: { projectId?: string; serviceId?: string } = {};
  if (args.service || (!args.project && (await findLink(deps.cwd)))) {
    const svc = await resolveService(api, args, deps.cwd);
    query.projectId = svc.projectId;
    query.serviceId = svc.id;
  } else if (args.project) query.projectId = (await resolveProject(api, args.project)).id;
  const limit = Math.max(1, args.limit ?? 50);
  const rows: AuditView[] = [];
  let cursor: string | undefined;
  while (rows.length < limit) {
    const page = await api.listAudit({ ...query, limit: Math.min(100, limit - rows.length), cursor });
    rows.push(...page.items);
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  if (args.json) return printJson(deps.stdout, rows);
  if (rows.length === 0) {
    deps.stdout.write('No audit entries.\n');
    return;
  }
  const now = deps.now();
  deps.stdout.write(
    formatTable(
      ['AGE', 'ACTOR', 'ACTION', 'DEPLOYMENT', 'DETAILS'],
      rows.map((r) => [
        formatAge(r.createdAt, now),
        truncate(r.actor, 32),
        r.action,
        r.deploymentId ? out.cyan(shortId(r.deploymentId)) : '',
        truncate(Object.keys(r.data ?? {}).length ? JSON.stringify(r.data) : '', 60),
      ]),
    ),
  );
}
