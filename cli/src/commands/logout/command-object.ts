/** yargs definition of `kubidu logout`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { run } from './logout.js';

/** `kubidu logout`. */
export const logoutCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'logout',
  describe: 'Sign the stored token out on the server, then forget it',
  builder: (y) => y.example('$0 logout', 'Log out of the default API').example('$0 logout --api-url https://kubidu.example.com', 'Log out of another server'),
  handler: (args) => runCommand(args, run),
};
