/**
 * The `kubidu` command tree: global options, every command module, usage
 * errors (exit 2) and help. Separate from main.ts so it can be built with any
 * argv/env.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Argv, CommandModule } from 'yargs';
import { auditCommand } from './commands/audit/command-object.js';
import { deployCommand } from './commands/deploy/command-object.js';
import { deploymentsCommand } from './commands/deployments/command-object.js';
import { envCommand } from './commands/env/command-object.js';
import { linkCommand } from './commands/link/command-object.js';
import { markBadCommand, unmarkBadCommand } from './commands/mark-bad/command-object.js';
import { membersCommand } from './commands/members/command-object.js';
import { releaseCommand } from './commands/release/command-object.js';
import { loginCommand } from './commands/login/command-object.js';
import { logoutCommand } from './commands/logout/command-object.js';
import { projectsCommand } from './commands/projects/command-object.js';
import { rollbackCommand } from './commands/rollback/command-object.js';
import { servicesCommand } from './commands/services/command-object.js';
import { statusCommand } from './commands/status/command-object.js';
import { whoamiCommand } from './commands/whoami/command-object.js';
import { webhooksCommand } from './commands/webhooks/command-object.js';
import { DEFAULT_API_URL, type GlobalArgs } from './lib/deps.js';
import { UsageError } from './lib/errors.js';
import { reportError } from './lib/handle-errors.js';
import type { Writer } from './lib/output.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module narrows its own args
const COMMANDS = [
  loginCommand,
  logoutCommand,
  whoamiCommand,
  projectsCommand,
  membersCommand,
  servicesCommand,
  linkCommand,
  deployCommand,
  envCommand,
  deploymentsCommand,
  rollbackCommand,
  releaseCommand,
  markBadCommand,
  unmarkBadCommand,
  statusCommand,
  auditCommand,
  webhooksCommand,
] as CommandModule<any, any>[];

/**
 * yargs through its CommonJS build on purpose: the ESM build lays help out with
 * cliui's ESM entry, whose stand-in `wrap` cuts text every N characters ("ag ain",
 * "conf irmation"); the CommonJS build uses wrap-ansi, which wraps at word boundaries.
 */
const yargs = createRequire(import.meta.url)('yargs') as typeof import('yargs').default;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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
    .version(VERSION)
    .example('$0 login', 'Log in (asks for email and password)')
    .example('$0 link --project shop --service api', 'Use this service from this directory on')
    .example('$0 deploy --image acme/api:1.5 --wait', 'Deploy and wait for RUNNING (env and settings are kept)')
    .example('$0 env set LOG_LEVEL=debug', 'Change one variable (a new deployment of the current image)')
    .example('$0 ls', 'Deployment history')
    .example('$0 rollback', 'Back to the newest earlier healthy deployment')
    .epilogue('Exit codes: 0 ok, 1 failed, 2 usage error or refused. Colours are off when not a terminal or NO_COLOR is set.')
    .wrap(process.stdout.columns ? Math.min(120, process.stdout.columns) : 120)
    .fail((msg, err) => {
      // Abort parsing: no handler may run after a usage error (see runCli).
      throw err ?? new UsageError(msg.startsWith('Did you mean') ? `Unknown command. ${msg}` : msg);
    });
  return y as unknown as Argv<GlobalArgs>;
}

/**
 * Parses and runs one command line. Command handlers set their own exit code
 * (runCommand); a usage error found by yargs ends here with exit code 2.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>, stderr: Writer = process.stderr): Promise<void> {
  try {
    await buildCli(argv, env).parseAsync();
  } catch (err) {
    const usage = !(err instanceof Error) || err instanceof UsageError || err.name === 'YError';
    process.exitCode = usage ? reportError(err instanceof UsageError ? err : new UsageError(err instanceof Error ? err.message : String(err)), { stderr, env }) : reportError(err, { stderr, env });
    if (usage) stderr.write('Run "kubidu --help" or "kubidu <command> --help" for usage.\n');
  }
}
