/**
 * The `kubidu` command tree: global options, every command module, usage
 * errors (exit 2) and help. Separate from main.ts so it can be built with any
 * argv/env.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { auditCommand } from './commands/audit/command-object.js';
import { deployCommand } from './commands/deploy/command-object.js';
import { deploymentsCommand } from './commands/deployments/command-object.js';
import { linkCommand } from './commands/link/command-object.js';
import { loginCommand } from './commands/login/command-object.js';
import { logoutCommand } from './commands/logout/command-object.js';
import { projectsCommand } from './commands/projects/command-object.js';
import { rollbackCommand } from './commands/rollback/command-object.js';
import { servicesCommand } from './commands/services/command-object.js';
import { statusCommand } from './commands/status/command-object.js';
import { whoamiCommand } from './commands/whoami/command-object.js';
import { DEFAULT_API_URL, type GlobalArgs } from './lib/deps.js';
import { UsageError } from './lib/errors.js';
import { reportError } from './lib/handle-errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module narrows its own args
const COMMANDS = [
  loginCommand,
  logoutCommand,
  whoamiCommand,
  projectsCommand,
  servicesCommand,
  linkCommand,
  deployCommand,
  deploymentsCommand,
  rollbackCommand,
  statusCommand,
  auditCommand,
] as CommandModule<any, any>[];

/** Builds the parser; `parseAsync()` runs the chosen command. */
export function buildCli(argv: string[], env: Record<string, string | undefined>): Argv<GlobalArgs> {
  const y = yargs(argv)
    .scriptName('kubidu')
    .usage('$0 <command> [options]\n\nDeploy and roll back services on Kubidu.')
    .option('api-url', {
      type: 'string',
      describe: 'Kubidu API URL',
      defaultDescription: `$KUBIDU_API_URL or ${DEFAULT_API_URL}`,
    })
    .option('token', { type: 'string', describe: 'API token (overrides the stored login)', defaultDescription: '$KUBIDU_TOKEN' })
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON on stdout' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Print stacks with errors' })
    .middleware((args) => {
      args.apiUrl ??= env.KUBIDU_API_URL || DEFAULT_API_URL;
      args['api-url'] = args.apiUrl;
      if (!args.token && env.KUBIDU_TOKEN) args.token = env.KUBIDU_TOKEN;
    }, true)
    .command(COMMANDS)
    .demandCommand(1, 'Name a command')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .example('$0 login', 'Log in (asks for email and password)')
    .example('$0 link --project shop --service api', 'Use this service from this directory on')
    .example('$0 deploy --image acme/api:1.5 --wait', 'Deploy and wait for RUNNING')
    .example('$0 ls', 'Deployment history')
    .example('$0 rollback', 'Back to the previous successful deployment')
    .epilogue('Exit codes: 0 ok, 1 failed, 2 usage error or refused. Colours are off when not a terminal or NO_COLOR is set.')
    .wrap(process.stdout.columns ? Math.min(120, process.stdout.columns) : 120)
    .fail((msg, err, parser) => {
      if (err && !msg) throw err;
      const stderr = process.stderr;
      process.exitCode = reportError(new UsageError(msg ?? String(err)), { stderr, env });
      stderr.write(`Run "kubidu --help" or "kubidu <command> --help" for usage.\n`);
      void parser;
    });
  return y as unknown as Argv<GlobalArgs>;
}
