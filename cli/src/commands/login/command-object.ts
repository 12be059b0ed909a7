/** yargs definition of `kubidu login`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type LoginArgs } from './login.js';

/** `kubidu login [--email E --password P | --token T]`. */
export const loginCommand: CommandModule<GlobalArgs, LoginArgs> = {
  command: 'login',
  describe: 'Log in to a Kubidu API and store the token',
  builder: (y) =>
    y
      .option('email', { type: 'string', describe: 'Email (prompted for when omitted)' })
      .option('password', { type: 'string', describe: 'Password (prompted for when omitted; visible to ps, prefer the prompt)' })
      .example('$0 login', 'Ask for email and password')
      .example('$0 login --token kbd_…', 'Store a personal API token (CI)')
      .example('$0 login --api-url https://kubidu.example.com', 'Log in to another server'),
  handler: (args) => runCommand(args, run),
};
