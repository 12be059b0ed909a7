/**
 * How deployments look in a terminal: the history table (short id, status,
 * image, message, author, age, `↩ <target>` marker), a status colour, and the
 * rollback diff printed before the confirmation question.
 */
import type { Deployment, DeploymentDiff, DeploymentStatus, EnvEntry } from './api-types.js';
import { createStyle, type Style } from './output.js';
import { shortId } from './resolve.js';
import { formatAge, formatTable, truncate } from './table.js';

/** Colours a status word. */
export function colorStatus(status: DeploymentStatus, style: Style): string {
  switch (status) {
    case 'RUNNING':
      return style.green(status);
    case 'FAILED':
      return style.red(status);
    case 'QUEUED':
    case 'DEPLOYING':
      return style.yellow(status);
    case 'CANCELLED':
      return style.gray(status);
    default:
      return status;
  }
}

/** The text in the MESSAGE column: commit message, else reason, else what a rollback did. */
export function deploymentMessage(d: Deployment): string {
  if (d.commitMessage) return d.commitMessage;
  if (d.reason) return d.reason;
  if (d.source === 'ROLLBACK' && d.rollbackFromId) return `Rollback to ${shortId(d.rollbackFromId)}`;
  return '';
}

/** The history table of `kubidu deployments`; `*` marks the current deployment. */
export function formatDeploymentsTable(rows: readonly Deployment[], now: Date, style: Style = createStyle(false)): string {
  return formatTable(
    ['', 'ID', 'STATUS', 'IMAGE', 'MESSAGE', 'AUTHOR', 'AGE', ''],
    rows.map((d) => [
      d.isCurrent ? style.green('*') : '',
      style.cyan(shortId(d.id)),
      colorStatus(d.status, style),
      truncate(d.imageUrl, 48),
      truncate(deploymentMessage(d), 40),
      truncate(d.actor, 32),
      formatAge(d.createdAt, now),
      d.rollbackFromId ? style.yellow(`↩ ${shortId(d.rollbackFromId)}`) : '',
    ]),
  );
}

const FIELD_LABEL: Record<string, string> = {
  image: 'image',
  port: 'port',
  replicas: 'replicas',
  cpuLimit: 'cpu limit',
  memoryLimit: 'memory limit',
};

function show(v: unknown): string {
  return v === null || v === undefined || v === '' ? '(none)' : String(v);
}

/**
 * What a rollback will change, as lines. Plain env values are shown when both
 * deployments' env is given; secret values never are (secrets only say "changed").
 */
export function formatDiff(
  diff: DeploymentDiff,
  opts: { style?: Style; targetEnv?: EnvEntry[]; currentEnv?: EnvEntry[] } = {},
): string {
  const style = opts.style ?? createStyle(false);
  const lines: string[] = [];
  if (diff.currentId === null) lines.push('  There is no current deployment; everything below will be deployed.');
  const width = Math.max(8, ...diff.fields.map((f) => (FIELD_LABEL[f.field] ?? f.field).length));
  for (const f of diff.fields) {
    const label = (FIELD_LABEL[f.field] ?? f.field).padEnd(width);
    lines.push(`  ${label}  ${style.red(show(f.from))} → ${style.green(show(f.to))}`);
  }
  const valueOf = (env: EnvEntry[] | undefined, key: string) => env?.find((e) => e.key === key && !e.isSecret)?.value;
  const envLines: string[] = [];
  for (const e of diff.env.added) {
    const v = e.isSecret ? undefined : valueOf(opts.targetEnv, e.key);
    envLines.push(`${style.green('+')} ${e.key}${e.isSecret ? ' (secret) added' : v !== undefined && v !== null ? `=${v}` : ' added'}`);
  }
  for (const e of diff.env.removed) envLines.push(`${style.red('-')} ${e.key}${e.isSecret ? ' (secret)' : ''} removed`);
  for (const e of diff.env.changed) {
    if (e.isSecret) {
      envLines.push(`${style.yellow('~')} ${e.key} (secret) changed`);
      continue;
    }
    const from = valueOf(opts.currentEnv, e.key);
    const to = valueOf(opts.targetEnv, e.key);
    envLines.push(
      `${style.yellow('~')} ${e.key}${from != null && to != null ? `: ${style.red(from)} → ${style.green(to)}` : ' changed'}`,
    );
  }
  if (envLines.length) {
    lines.push(`  ${'env'.padEnd(width)}  ${envLines[0]}`);
    for (const l of envLines.slice(1)) lines.push(`  ${''.padEnd(width)}  ${l}`);
  }
  if (lines.length === 0) lines.push('  No differences in image, settings or env: the same configuration is deployed again.');
  return lines.join('\n') + '\n';
}
