/** yargs definitions of `kubidu env`, `kubidu env set` and `kubidu env unset`. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions, withWaitOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { runList, runSet, runUnset, type EnvChangeArgs, type EnvListArgs, type EnvSetArgs, type EnvUnsetArgs } from './env.js';

/** What `env set` and `env unset` both accept: the service, --wait, a message, a reason, --override-hold. */
function withChangeOptions<T>(y: Argv<T>) {
  return withWaitOptions(withServiceOptions(y))
    .option('message', { alias: 'm', type: 'string', describe: 'Message shown in the history (default: the keys set and unset)' })
    .option('reason', { type: 'string', describe: 'Why (recorded in the audit log)' })
    .option('override-hold', {
      type: 'boolean',
      default: false,
      describe: 'Change env even though a rollback holds deploys of this service (the hold stays; see `kubidu release`)',
    });
}

/** `kubidu env set K=V … [--secret K]…`. */
const envSetCommand: CommandModule<EnvListArgs, EnvSetArgs> = {
  command: 'set [pairs..]',
  describe: 'Set env variables: a new deployment of the current image, the rest kept',
  builder: (y) =>
    withChangeOptions(y)
      .positional('pairs', { type: 'string', array: true, describe: 'Plain variables KEY=VALUE ("=" allowed in values)' })
      .option('secret', {
        type: 'string',
        array: true,
        nargs: 1,
        describe: 'Secret variable NAME (repeatable); its value is asked for, or read from stdin when not a terminal — never from the command line',
      })
      .example('$0 env set LOG_LEVEL=debug FEATURE_X=on --wait', 'Two plain variables, then wait for RUNNING')
      .example('$0 env set --secret DB_URL', 'A secret, typed at a hidden prompt')
      .example('printf %s "$DB_URL" | $0 env set --secret DB_URL', 'A secret from stdin (CI)') as Argv<EnvSetArgs>,
  handler: (args) => runCommand(args, runSet),
};

/** `kubidu env unset K …`. */
const envUnsetCommand: CommandModule<EnvListArgs, EnvUnsetArgs> = {
  command: 'unset <keys..>',
  describe: 'Remove env variables (plain or secret): a new deployment, the rest kept',
  builder: (y) =>
    withChangeOptions(y)
      .positional('keys', { type: 'string', array: true, demandOption: true, describe: 'Variable names' })
      .example('$0 env unset FEATURE_X OLD_TOKEN', 'Remove two variables') as Argv<EnvUnsetArgs>,
  handler: (args) => runCommand(args, runUnset),
};

/** `kubidu env [set|unset]`. */
export const envCommand: CommandModule<GlobalArgs, EnvListArgs> = {
  command: 'env',
  describe: 'Show the env of the service (secret values hidden); `env set` / `env unset` change it. Deploys keep it.',
  builder: (y) =>
    withServiceOptions(y)
      .command(envSetCommand as CommandModule<EnvListArgs, EnvChangeArgs>)
      .command(envUnsetCommand as CommandModule<EnvListArgs, EnvChangeArgs>)
      .example('$0 env', 'Names and plain values; secrets show as (hidden)')
      .example('$0 env --json', 'The same as JSON (secret values are null)'),
  handler: (args) => runCommand(args, runList),
};
