/** yargs definition of `kubidu deployments` / `kubidu ls`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type DeploymentsArgs } from './deployments.js';

/** `kubidu deployments [--limit N]`. */
export const deploymentsCommand: CommandModule<GlobalArgs, DeploymentsArgs> = {
  command: ['deployments', 'ls'],
  describe: 'List the deployments of the linked service, newest first',
  builder: (y) =>
    withServiceOptions(y)
      .option('limit', { alias: 'n', type: 'number', default: 20, describe: 'How many rows' })
      .example('$0 ls', 'The last 20 deployments (* = current, ↩ = rollback of)')
      .example('$0 deployments --limit 50 --service api --project shop', 'Another service, more rows')
      .example('$0 ls --json | jq ".[0].id"', 'As JSON'),
  handler: (args) => runCommand(args, run),
};
