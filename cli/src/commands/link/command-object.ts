/** yargs definition of `kubidu link`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type LinkArgs } from './link.js';

/** `kubidu link [--project P --service S]`. */
export const linkCommand: CommandModule<GlobalArgs, LinkArgs> = {
  command: 'link',
  describe: 'Link this directory to a service (writes .kubidu.json)',
  builder: (y) =>
    withServiceOptions(y)
      .example('$0 link', 'Choose project and service from a list')
      .example('$0 link --project shop --service api', 'Link by names')
      .example('$0 link --service 0b6e…', 'Link by service id'),
  handler: (args) => runCommand(args, run),
};
