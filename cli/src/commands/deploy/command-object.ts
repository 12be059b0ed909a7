/** yargs definition of `kubidu deploy`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions, withWaitOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type DeployArgs } from './deploy.js';

/** `kubidu deploy --image REF [--env K=V]... [--secret K=V]... [--wait]`. */
export const deployCommand: CommandModule<GlobalArgs, DeployArgs> = {
  command: 'deploy',
  describe: 'Deploy an image to the linked service',
  builder: (y) =>
    withWaitOptions(withServiceOptions(y))
      .option('image', { alias: 'i', type: 'string', demandOption: true, describe: 'OCI image reference' })
      .option('env', { alias: 'e', type: 'string', array: true, describe: 'Plain env var KEY=VALUE (repeatable; "=" allowed in values)' })
      .option('secret', { type: 'string', array: true, describe: 'Secret env var KEY=VALUE (repeatable; stored encrypted, never in Git)' })
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
      .example('$0 deploy --image ghcr.io/acme/api:1.4.2', 'Deploy an image to the linked service')
      .example('$0 deploy -i acme/api:1.5 -e LOG_LEVEL=info --secret DB_URL=postgres://u:p@db/app?ssl=true --wait', 'With env, a secret, and wait for RUNNING')
      .example('$0 deploy -i acme/api:1.5 --project shop --service api --replicas 3', 'Pick the service by name')
      .example('$0 deploy -i acme/api:1.5.1 --override-hold --reason "hotfix over the rollback"', 'Deploy through a rollback\'s hold, on purpose'),
  handler: (args) => runCommand(args, run),
};
