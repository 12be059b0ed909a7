/** `kubidu status [deployment-id]`: one deployment in detail (default: the current one, else the newest). */
import type { DeploymentDetail } from '@kubidu/core/contract/deployments';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { CliError } from '../../lib/errors.js';
import { colorStatus, deploymentMessage, doorLabel, revertLabel } from '../../lib/format-deployment.js';
import { printJson, type Style } from '../../lib/output.js';
import { resolveDeployment, resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge } from '../../lib/table.js';

export interface StatusArgs extends GlobalArgs, ServiceFlags {
  deploymentId?: string;
}

/** Prints the deployment (JSON: the GET /api/deployments/:id answer). */
export async function run(args: StatusArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  let id: string;
  if (args.deploymentId) id = (await resolveDeployment(api, args.deploymentId, () => resolveService(api, args, deps.cwd))).id;
  else {
    const svc = await resolveService(api, args, deps.cwd);
    const { items } = await api.listDeployments(svc.id, { limit: 20 });
    const pick = items.find((d) => d.isCurrent) ?? items[0];
    if (!pick) throw new CliError('DEPLOYMENT_NOT_FOUND', `${svc.name} has no deployments yet`);
    id = pick.id;
  }
  const d = await api.getDeployment(id);
  if (args.json) return printJson(deps.stdout, d);
  deps.stdout.write(formatStatus(d, deps.now(), out));
}

/** The detail block (pure; unit-tested). */
export function formatStatus(d: DeploymentDetail, now: Date, style: Style): string {
  const rows: [string, string][] = [
    ['Deployment', `${style.cyan(d.id)}${d.isCurrent ? style.green(' (current)') : ''}`],
    ['Status', `${colorStatus(d.status, style)}${d.statusMessage ? ` — ${d.statusMessage}` : ''}`],
    ['Image', d.imageUrl],
    ['Source', `${d.source}${(d.source === 'ROLLBACK' || d.source === 'AUTO') && d.rollbackFromId ? ` ↩ ${shortId(d.rollbackFromId)}${d.rollbackOnly ? ` (${d.rollbackOnly} only)` : ''}` : ''}`],
    ['Door', doorLabel(d) + (revertLabel(d) ? `, ${revertLabel(d)}` : '')],
    ['Replicas', String(d.replicas)],
    ['Port', String(d.port)],
  ];
  if (d.cpuLimit || d.memoryLimit) rows.push(['Limits', `cpu ${d.cpuLimit ?? '-'}, memory ${d.memoryLimit ?? '-'}`]);
  rows.push(['Author', d.actor], ['Created', `${d.createdAt} (${formatAge(d.createdAt, now)})`]);
  if (d.finishedAt) rows.push(['Finished', d.finishedAt]);
  // Message and reason on lines of their own here (the table joins them).
  const msg = d.commitMessage ?? (d.reason ? '' : deploymentMessage(d));
  if (msg) rows.push(['Message', msg]);
  if (d.reason && d.reason !== msg) rows.push(['Reason', d.reason]);
  if (d.manifestsCommitSha) rows.push(['Commit', d.manifestsCommitSha]);
  if (d.bad) rows.push(['Bad', style.red(`${d.bad.reason} (marked by ${d.bad.by}, ${formatAge(d.bad.at, now)}; kubidu unmark-bad ${shortId(d.id)})`)]);
  if (d.warning) rows.push(['Warning', style.red(d.warning)]);
  if (d.holdOverridden) rows.push(['Hold', 'deployed through a deploy hold (--override-hold)']);
  if (d.canRollback) rows.push(['Rollback', `kubidu rollback ${shortId(d.id)}`]);
  const env = [...(d.env ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  rows.push(['Env', env.length ? env.map((e) => (e.isSecret ? `${e.key}=${style.dim('(secret)')}` : `${e.key}=${e.value ?? ''}`)).join('\n') : '(none)']);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v.split('\n').join(`\n${' '.repeat(width + 2)}`)}`).join('\n') + '\n';
}
