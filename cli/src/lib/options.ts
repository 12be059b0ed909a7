/**
 * Option definitions shared by several commands, so `--project`, `--service`,
 * `--wait` mean the same thing everywhere.
 */
import type { Argv } from 'yargs';

/** `--project` / `--service`: names or ids; default from .kubidu.json. */
export function withServiceOptions<T>(y: Argv<T>) {
  return y
    .option('project', { alias: 'p', type: 'string', describe: 'Project name, slug or id (default: from .kubidu.json)' })
    .option('service', { alias: 's', type: 'string', describe: 'Service name or id (default: from .kubidu.json)' });
}

/** `--wait` / `--timeout`. */
export function withWaitOptions<T>(y: Argv<T>) {
  return y
    .option('wait', { alias: 'w', type: 'boolean', default: false, describe: 'Follow the deployment until RUNNING (exit 0) or FAILED (exit 1)' })
    .option('timeout', { type: 'number', default: 600, describe: 'Seconds --wait waits before giving up (exit 1)' });
}
