/** yargs definition of `kubidu deploy`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions, withWaitOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type DeployArgs } from './deploy.js';

/** `kubidu deploy --image REF [--env K=V]... [--secret K=V]... [--unset K]... [--replace-env] [--wait]`. */
export const deployCommand: CommandModule<GlobalArgs, DeployArgs> = {
  command: 'deploy',
  describe:
    'Deploy an image to the linked service. A deploy changes only what it names: env, secrets, port, replicas and limits ' +
    'not given are kept from the current deployment (see `kubidu env`)',
  builder: (y) =>
    withWaitOptions(withServiceOptions(y))
      .option('image', { alias: 'i', type: 'string', demandOption: true, describe: 'OCI image reference' })
      .option('env', { alias: 'e', type: 'string', array: true, describe: 'Set a plain env var KEY=VALUE on top of the current ones (repeatable; "=" allowed in values)' })
      .option('secret', { type: 'string', array: true, describe: 'Set a secret env var KEY=VALUE (repeatable; stored encrypted, never in Git). To keep it out of shell history, use `kubidu env set --secret KEY`' })
      .option('unset', { type: 'string', array: true, nargs: 1, describe: 'Remove an env var (plain or secret) of the current deployment (repeatable)' })
      .option('replace-env', { type: 'boolean', default: false, describe: 'The --env and --secret given are the whole env: nothing is kept from the current deployment' })
      .option('port', { type: 'number', describe: 'Container port' })
      .option('replicas', { type: 'number', describe: 'Number of replicas' })
      .option('cpu', { type: 'string', describe: 'CPU limit, e.g. 500m' })
      .option('memory', { type: 'string', describe: 'Memory limit, e.g. 256Mi' })
      .option('message', { alias: 'm', type: 'string', describe: 'Message shown in the history' })
      .option('reason', { type: 'string', describe: 'Why (recorded in the audit log)' })
      .option('override-hold', {
        type: 'boolean',
        default: false,
        describe: 'Deploy even though a rollback holds deploys of this service (the hold stays; see `kubidu release`)',
      })
      .example('$0 deploy --image ghcr.io/acme/api:1.4.2', 'Deploy an image; env, secrets and settings stay as they are')
      .example('$0 deploy -i acme/api:1.5 -e LOG_LEVEL=info --wait', 'Set one variable on top of the current ones, wait for RUNNING')
      .example('$0 deploy -i acme/api:1.5 --project shop --service api --replicas 3', 'Pick the service by name')
      .example('$0 deploy -i acme/api:1.5 --unset OLD_FLAG', 'Remove one variable, keep the rest')
      .example('$0 deploy -i acme/api:1.5.1 --override-hold --reason "hotfix over the rollback"', 'Hotfix through a rollback\'s hold, on purpose (env and secrets kept)'),
  handler: (args) => runCommand(args, run),
};
