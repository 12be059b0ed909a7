/** yargs definition of `kubidu release`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type ReleaseArgs } from './release.js';

/** `kubidu release [--service S]`. */
export const releaseCommand: CommandModule<GlobalArgs, ReleaseArgs> = {
  command: 'release',
  describe: 'Release the deploy hold a rollback put on the service, so new deploys go through again',
  builder: (y) =>
    withServiceOptions(y)
      .example('$0 release', 'Let CI deploy the linked service again after a rollback')
      .example('$0 release --project shop --service api --json', 'Another service; print the released hold as JSON'),
  handler: (args) => runCommand(args, run),
};
