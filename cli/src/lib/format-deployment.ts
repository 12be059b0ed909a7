/**
 * How deployments look in a terminal: the history table (short id, status,
 * image, message, author, age, `↩ <target>` marker), a status colour, and the
 * rollback diff printed before the confirmation question.
 */
import type { DeployHoldView, DeploymentDiff, DeploymentStatus, DeploymentView, EnvEntry } from '@kubidu/core/contract/deployments';
import { createStyle, type Style } from './output.js';
import { doorLabel as contractDoorLabel, onlyLabel, revertLabel as contractRevertLabel, shortId } from '@kubidu/core/contract/labels';
import { formatAge, formatTable, truncate, type ColumnFit } from './table.js';

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

/**
 * The text in the MESSAGE column: commit message, else what a rollback did; the
 * reason follows after " — " (a rollback's reason is part of the story).
 */
export function deploymentMessage(d: DeploymentView): string {
  let msg = d.commitMessage ?? '';
  if (!msg && (d.source === 'ROLLBACK' || d.source === 'AUTO') && d.rollbackFromId) msg = `Rollback to ${shortId(d.rollbackFromId)}`;
  if (d.reason && d.reason !== msg && d.source !== 'GIT') return msg ? `${msg} — ${d.reason}` : d.reason;
  return msg || (d.reason ?? '');
}

/** A contract label the way terminal tables write it: the first word lower-case unless it is an acronym ("rollback (CLI)", "API"). */
function tableCase(label: string): string {
  return label.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
}

/** The DOOR column: how the row came in (API, CLI, web, rollback + its client, git), in the web history's words. */
export function doorLabel(d: Pick<DeploymentView, 'door' | 'via'>): string {
  return tableCase(contractDoorLabel(d));
}

/** GIT rows: "reverted rollback 1a2b3c4d" / "reverted deploy 1a2b3c4d"; null otherwise. */
export function revertLabel(d: Pick<DeploymentView, 'revertsDeploymentId' | 'revertsSource'>): string | null {
  const label = contractRevertLabel(d);
  return label === null ? null : tableCase(label);
}

/** The NOTES column: rollback marker (with what it restored), revert, bad mark, hold override, importer warning. */
export function deploymentNotes(d: DeploymentView, style: Style): string {
  const notes: string[] = [];
  if (d.rollbackFromId && (d.source === 'ROLLBACK' || d.source === 'AUTO')) notes.push(style.yellow(`↩ ${shortId(d.rollbackFromId)}${d.rollbackOnly ? ` ${onlyLabel(d)}` : ''}`));
  const revert = revertLabel(d);
  if (revert) notes.push(style.yellow(revert));
  if (d.bad) notes.push(style.red(`✗ BAD: ${truncate(d.bad.reason, 40)}`));
  if (d.holdOverridden) notes.push(style.yellow('overrode hold'));
  if (d.warning) notes.push(style.red(`⚠ ${truncate(d.warning, 60)}`));
  return notes.join('  ');
}

/** The line above the history while a rollback holds deploys. */
export function formatHold(hold: DeployHoldView, now: Date, style: Style = createStyle(false)): string {
  return (
    `${style.yellow('⏸ Deploys held')} since rollback ${style.cyan(shortId(hold.rollbackId))} by ${hold.heldBy} (${formatAge(hold.createdAt, now)})` +
    `${hold.reason ? ` — ${hold.reason}` : ''}. Release with: kubidu release\n`
  );
}

/**
 * How the history table gives way on a narrow terminal: IMAGE, MESSAGE, AUTHOR and
 * NOTES are cut first; then DOOR, NOTES, AUTHOR and MESSAGE go, in that order. The
 * mark, ID, STATUS and AGE always stay.
 */
const HISTORY_FIT: ColumnFit[] = [{}, {}, {}, { min: 16 }, { min: 12, drop: 4 }, { min: 12, drop: 3 }, {}, { drop: 1 }, { min: 12, drop: 2 }];

/** The history table of `kubidu deployments`; `*` marks the current deployment; `width` = the terminal's columns. */
export function formatDeploymentsTable(rows: readonly DeploymentView[], now: Date, style: Style = createStyle(false), width?: number): string {
  return formatTable(
    ['', 'ID', 'STATUS', 'IMAGE', 'MESSAGE', 'AUTHOR', 'AGE', 'DOOR', ''],
    rows.map((d) => [
      d.isCurrent ? style.green('*') : '',
      style.cyan(shortId(d.id)),
      colorStatus(d.status, style),
      truncate(d.imageUrl, 48),
      truncate(deploymentMessage(d), 60),
      truncate(d.actor, 32),
      formatAge(d.createdAt, now),
      doorLabel(d),
      deploymentNotes(d, style),
    ]),
    { width, fit: HISTORY_FIT },
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
