/**
 * `kubidu rollback [deployment-id]`: the terminal's one-click rollback. Picks the
 * target (full id, unique prefix ≥ 8, or the contract's default target), refuses
 * at once a target the rollback rule refuses, prints what will change, asks (default No) unless --yes, then asks the API to
 * roll back and optionally follows the new deployment.
 */
import { randomUUID } from 'node:crypto';
import type { DeploymentDetail, DeploymentView, RollbackOnly } from '@kubidu/core/contract/deployments';
import type { ServiceView } from '@kubidu/core/contract/projects';
import { rollbackRefusal, rollbackRefusalMessage } from '@kubidu/core/contract/rollback-rule';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { CliError, RefusedError } from '../../lib/errors.js';
import { followDeployment } from '../../lib/follow.js';
import { formatDiff } from '../../lib/format-deployment.js';
import { colorEnabled, createStyle, printJson } from '../../lib/output.js';
import { defaultTarget, resolveDeployment, resolveService, shortId, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge } from '../../lib/table.js';
import { runProjectRollback } from './project-rollback.js';

export interface RollbackArgs extends GlobalArgs, ServiceFlags {
  deploymentId?: string;
  yes?: boolean;
  reason?: string;
  only?: RollbackOnly;
  wait?: boolean;
  timeout?: number;
  /** Project rollback (issue 20): a time or a release id; see project-rollback.ts. */
  to?: string;
  /** With --to: only these services (comma-separated names or ids). */
  services?: string;
}

/**
 * Why a target cannot be rolled back to, judged from its row by the contract's rule and
 * said in the API's words (rollbackRefusalMessage), before any diff is fetched or shown.
 * The API stays the authority: a row the rule allows may still be refused by it.
 */
export function rollbackBlocker(target: Pick<DeploymentView, 'status' | 'isCurrent' | 'canRollback' | 'bad'>): CliError | undefined {
  if (target.canRollback) return undefined;
  const code = rollbackRefusal({ status: target.status, isCurrent: target.isCurrent, markedBad: Boolean(target.bad) });
  // null: the row is stale (it changed since it was listed): let the API judge.
  if (code === null) return undefined;
  return new CliError(code, rollbackRefusalMessage(code, { status: target.status, badReason: target.bad?.reason }));
}

/** Runs the rollback flow. */
export async function run(args: RollbackArgs, deps: Deps): Promise<void> {
  if (args.to !== undefined) return runProjectRollback({ ...args, to: args.to }, deps);
  const { api } = await openSession(args, deps);
  let servicePromise: Promise<ServiceView> | undefined;
  const service = () => (servicePromise ??= resolveService(api, args, deps.cwd));

  let target: DeploymentView;
  if (args.deploymentId) target = await resolveDeployment(api, args.deploymentId, service);
  else {
    const svc = await service();
    const found = await defaultTarget(api, svc.id);
    if (!found) {
      throw new CliError(
        'NO_ROLLBACK_TARGET',
        `${svc.name} has no earlier healthy deployment to roll back to (none that is not marked bad and that no rollback replaced); name one: kubidu rollback <id>`,
      );
    }
    target = found;
  }
  // Refuse before the diff: a diff towards a target the API will refuse only misleads.
  const blocker = rollbackBlocker(target);
  if (blocker) throw blocker;

  const [diff, targetDetail] = await Promise.all([api.getDiff(target.id, args.only), api.getDeployment(target.id)]);
  const currentDetail: DeploymentDetail | undefined = diff.currentId ? await api.getDeployment(diff.currentId) : undefined;
  const svc = servicePromise ? await servicePromise : await api.getService(targetDetail.serviceId);

  // With --json, stdout carries only the new row; the human summary goes to stderr.
  const info = args.json ? deps.stderr : deps.stdout;
  const style = createStyle(colorEnabled(info, deps.env));
  const now = deps.now();
  info.write(
    `Roll back ${args.only ? `the ${args.only} of ` : ''}${style.bold(svc.name)} to ${style.cyan(shortId(target.id))} ` +
      `(${target.imageUrl}, ${target.status}, deployed ${formatAge(target.createdAt, now)} by ${target.actor})\n`,
  );
  if (currentDetail) info.write(`Current:  ${style.cyan(shortId(currentDetail.id))} ${currentDetail.imageUrl}\n`);
  if (args.only === 'image') info.write(`Only the image: the current env, port, replicas and limits stay.\n`);
  if (args.only === 'config') info.write(`Only the config: the current image stays.\n`);
  info.write(`\nWhat will change:\n`);
  info.write(formatDiff(diff, { style, targetEnv: targetDetail.env, currentEnv: currentDetail?.env }));
  info.write('\n');

  if (!args.yes) {
    if (!deps.interactive) {
      throw new RefusedError(
        'CONFIRMATION_REQUIRED',
        'Refusing to roll back without confirmation: there is no terminal to ask on. Re-run with --yes to confirm',
      );
    }
    const ok = await deps.prompts.confirm(`Roll back ${svc.name} to ${shortId(target.id)}?`, false);
    if (!ok) throw new RefusedError('CANCELLED', 'Rollback cancelled; nothing was changed');
  }

  const body: { reason?: string; only?: RollbackOnly } = {};
  if (args.reason) body.reason = args.reason;
  if (args.only) body.only = args.only;
  let row = await api.rollback(target.id, body, randomUUID());
  if (!args.json) {
    deps.stdout.write(`Rollback queued: deployment ${style.cyan(shortId(row.id))} ↩ ${shortId(target.id)}${args.only ? ` (${args.only} only)` : ''}\n`);
    deps.stdout.write(`New deploys of ${svc.name} are held until released: kubidu release (or deploy with --override-hold)\n`);
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
