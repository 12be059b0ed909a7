/** yargs definition of `kubidu whoami`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { run } from './whoami.js';

/** `kubidu whoami`. */
export const whoamiCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'whoami',
  describe: 'Show who you are logged in as',
  builder: (y) => y.example('$0 whoami', 'Print your email').example('$0 whoami --json', 'As JSON'),
  handler: (args) => runCommand(args, run),
};
