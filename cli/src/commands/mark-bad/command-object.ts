/** yargs definitions of `kubidu mark-bad` and `kubidu unmark-bad`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type MarkBadArgs } from './mark-bad.js';

/** `kubidu mark-bad <deployment-id> --reason R`. */
export const markBadCommand: CommandModule<GlobalArgs, MarkBadArgs> = {
  command: 'mark-bad <deployment-id>',
  describe: 'Mark a deployment bad: no rollback target, and its image cannot be deployed, until unmarked',
  builder: (y) =>
    withServiceOptions(y)
      .positional('deployment-id', { type: 'string', demandOption: true, describe: 'Full id, or a unique prefix of at least 8 characters' })
      .option('reason', { alias: 'r', type: 'string', demandOption: true, describe: 'Why it is bad (shown in the history, recorded in the audit log)' })
      .example('$0 mark-bad 3f2a9c1d --reason "leaks memory under load"', 'Nobody rolls back to 3f2a9c1d or redeploys its image by accident'),
  handler: (args) => runCommand(args, (a, deps) => run(a, deps, false)),
};

/** `kubidu unmark-bad <deployment-id>`. */
export const unmarkBadCommand: CommandModule<GlobalArgs, MarkBadArgs> = {
  command: 'unmark-bad <deployment-id>',
  describe: 'Remove the bad mark of a deployment',
  builder: (y) =>
    withServiceOptions(y)
      .positional('deployment-id', { type: 'string', demandOption: true, describe: 'Full id, or a unique prefix of at least 8 characters' })
      .example('$0 unmark-bad 3f2a9c1d', 'It may be rolled back to and deployed again'),
  handler: (args) => runCommand(args, (a, deps) => run(a, deps, true)),
};
