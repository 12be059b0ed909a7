/**
 * `kubidu rollback --project <p> --to <time|release>` (issue 20): rolls every service of a
 * project back to the deployment live at a moment, or to what an earlier release made, as
 * ONE commit. Shows the preview (per service what changes, the skipped ones and why), asks
 * (default No) unless --yes, then queues it and, with --wait, follows the release to its end.
 */
import type { ReleaseView } from '@kubidu/core/contract/releases';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { CliError, DeploymentFailedError, RefusedError, UsageError } from '../../lib/errors.js';
import { colorEnabled, createStyle, printJson } from '../../lib/output.js';
import { isUuid, resolveProjectFromContext, shortId } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import type { ServiceFlags } from '../../lib/resolve.js';

/** The flags of `kubidu rollback` a project rollback reads. */
export interface ProjectRollbackArgs extends GlobalArgs, ServiceFlags {
  to: string;
  deploymentId?: string;
  services?: string;
  yes?: boolean;
  reason?: string;
  wait?: boolean;
  timeout?: number;
}

/** `--to`: a release id, or a time (ISO 8601, or "<n>m|h|d ago"). */
export function parseTo(to: string, now: Date): { release: string } | { at: string } {
  if (isUuid(to)) return { release: to };
  const rel = /^(\d+)\s*(m|min|h|d)\s+ago$/i.exec(to.trim());
  if (rel) {
    const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2].toLowerCase() as 'm' | 'min' | 'h' | 'd'];
    return { at: new Date(now.getTime() - Number(rel[1]) * unit).toISOString() };
  }
  const t = new Date(to);
  if (Number.isNaN(t.getTime())) {
    throw new UsageError(`--to ${JSON.stringify(to)} is neither a release id nor a time (ISO 8601 like 2026-12-06T10:00:00Z, or "2h ago")`);
  }
  return { at: t.toISOString() };
}

/** Runs the project rollback flow. */
export async function runProjectRollback(args: ProjectRollbackArgs, deps: Deps): Promise<void> {
  if (args.deploymentId) throw new UsageError('Give either a deployment id or --to, not both');
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const target = parseTo(args.to, deps.now());
  const services = args.services?.split(',').map((s) => s.trim()).filter(Boolean);
  const info = args.json ? deps.stderr : deps.stdout;
  const style = createStyle(colorEnabled(info, deps.env));

  const preview = await api.previewProjectRollback(project.id, { ...target, services: services?.join(',') });
  info.write(`Roll back ${style.bold(project.name)} to ${'release' in target ? `release ${shortId(target.release)}` : target.at}:\n`);
  for (const s of preview.services) {
    const image = s.diff.fields.find((f) => f.field === 'image');
    const other = s.diff.fields.filter((f) => f.field !== 'image').map((f) => `${f.field} ${f.from ?? '—'} → ${f.to ?? '—'}`);
    const env = s.diff.env.added.length + s.diff.env.removed.length + s.diff.env.changed.length;
    info.write(
      `  ${style.bold(s.service)} → ${style.cyan(shortId(s.diff.targetId))}` +
        `${image ? `  ${image.from ?? '—'} → ${image.to}` : ''}${other.length ? `  ${other.join(', ')}` : ''}${env ? `  (${env} env change${env === 1 ? '' : 's'})` : ''}\n`,
    );
  }
  for (const s of preview.skipped) info.write(`  ${s.service}: skipped (${s.why})\n`);
  if (preview.services.length === 0) {
    throw new CliError('NOTHING_TO_ROLL_BACK', 'Every service is already there; nothing to roll back');
  }
  if (!args.yes) {
    if (!deps.interactive) {
      throw new RefusedError('CONFIRMATION_REQUIRED', 'Refusing to roll back without confirmation: there is no terminal to ask on. Re-run with --yes to confirm');
    }
    const ok = await deps.prompts.confirm(`Roll back ${preview.services.length} service(s) of ${project.name} as one commit?`, false);
    if (!ok) throw new RefusedError('CANCELLED', 'Rollback cancelled; nothing was changed');
  }
  let release: ReleaseView = await api.rollbackProject(project.id, { ...target, ...(args.reason ? { reason: args.reason } : {}), ...(services ? { services } : {}) });
  if (!args.json) info.write(`Release ${style.cyan(shortId(release.id))} queued: ${release.deployments.length} rollback(s) in one commit\n`);
  if (args.wait) {
    const deadline = deps.now().getTime() + (args.timeout ?? 600) * 1000;
    while (release.status === 'QUEUED' || release.status === 'DEPLOYING') {
      if (deps.now().getTime() > deadline) throw new DeploymentFailedError('WAIT_TIMEOUT', `Gave up waiting: release ${shortId(release.id)} is still ${release.status}`);
      await deps.sleep(500);
      release = await api.getRelease(release.id);
    }
    if (args.json) printJson(deps.stdout, release);
    if (release.status === 'FAILED') throw new DeploymentFailedError('DEPLOYMENT_FAILED', `Release ${shortId(release.id)} failed: ${release.statusMessage ?? 'no message'}`);
    if (!args.json) info.write(`Release ${shortId(release.id)} is RUNNING: ${release.statusMessage ?? ''}\n`);
    return;
  }
  if (args.json) printJson(deps.stdout, release);
}
