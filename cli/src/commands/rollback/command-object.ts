/** yargs definition of `kubidu rollback`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions, withWaitOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type RollbackArgs } from './rollback.js';

/** `kubidu rollback [deployment-id] [--yes] [--reason T] [--wait]`. */
export const rollbackCommand: CommandModule<GlobalArgs, RollbackArgs> = {
  command: 'rollback [deployment-id]',
  describe: 'Roll back to an earlier deployment (default: the newest earlier healthy one that no rollback replaced and is not marked bad)',
  builder: (y) =>
    withWaitOptions(withServiceOptions(y))
      .positional('deployment-id', { type: 'string', describe: 'Full id, or a unique prefix of at least 8 characters' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation (needed without a terminal)' })
      .option('reason', { alias: 'r', type: 'string', describe: 'Why (recorded on the deployment, the commit, the Argo CD sync and the audit log)' })
      .option('only', {
        type: 'string',
        choices: ['image', 'config'] as const,
        describe: 'Roll back only the image (keep the current env and settings) or only the config (keep the current image)',
      })
      .option('to', { type: 'string', describe: 'Roll the whole project (--project) back, as one commit, to a time (ISO 8601 or "2h ago") or a release id' })
      .option('services', { type: 'string', describe: 'With --to: only these services (comma-separated names)' })
      .example('$0 rollback --project shop --to 2026-12-06T10:00:00Z', 'Every service of "shop" back to what ran then, in one commit')
      .example('$0 rollback', 'Back to the newest earlier healthy deployment (not the one a rollback just left), after a confirmation')
      .example('$0 rollback 3f2a9c1d', 'Back to the deployment whose id starts with 3f2a9c1d')
      .example('$0 rollback 3f2a9c1d --yes --wait --reason "500s after 1.5"', 'No question; follow it until RUNNING or FAILED')
      .example('$0 rollback 3f2a9c1d -y --json', 'Print the new deployment row as JSON')
      .example('$0 rollback 3f2a9c1d --only image', 'Back to that image, keeping the current env and settings'),
  handler: (args) => runCommand(args, run),
};
