/** yargs definition of `kubidu status`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type StatusArgs } from './status.js';

/** `kubidu status [deployment-id]`. */
export const statusCommand: CommandModule<GlobalArgs, StatusArgs> = {
  command: 'status [deployment-id]',
  describe: 'Show one deployment (default: the current one)',
  builder: (y) =>
    withServiceOptions(y)
      .positional('deployment-id', { type: 'string', describe: 'Full id, or a unique prefix of at least 8 characters' })
      .example('$0 status', 'The current deployment of the linked service')
      .example('$0 status 3f2a9c1d', 'A deployment by id prefix')
      .example('$0 status --json', 'As JSON (includes env; secret values are null)'),
  handler: (args) => runCommand(args, run),
};
