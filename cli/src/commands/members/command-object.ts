/** yargs definition of `kubidu members [ls|add|set|rm]`. */
import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROLES } from '@kubidu/core/contract/roles';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { runAdd, runList, runRemove, runSet, type MemberChangeArgs, type MembersArgs } from './members.js';

const withProject = <T>(y: Argv<T>) =>
  y.option('project', { alias: 'p', type: 'string', describe: 'Project name, slug or id (default: from .kubidu.json)' });

const withEmail = <T>(y: Argv<T>) => withProject(y).positional('email', { type: 'string', demandOption: true, describe: "The person's account email" });

const withRole = <T>(y: Argv<T>) =>
  withEmail(y).option('role', { alias: 'r', choices: PROJECT_ROLES, demandOption: true, describe: 'owner, deployer, oncall or viewer' });

const lsCommand: CommandModule<GlobalArgs, MembersArgs> = {
  command: 'ls',
  describe: 'List the members and their roles',
  builder: (y) => withProject(y),
  handler: (args) => runCommand(args, runList),
};

const addCommand: CommandModule<GlobalArgs, MemberChangeArgs> = {
  command: 'add <email>',
  describe: 'Add a person (who already has an account) with a role (owners only)',
  builder: (y) => withRole(y).example('$0 members add ana@example.com --role oncall', 'Ana may roll back, not deploy') as never,
  handler: (args) => runCommand(args, runAdd),
};

const setCommand: CommandModule<GlobalArgs, MemberChangeArgs> = {
  command: 'set <email>',
  describe: "Change a member's role (owners only)",
  builder: (y) => withRole(y) as never,
  handler: (args) => runCommand(args, runSet),
};

const rmCommand: CommandModule<GlobalArgs, MemberChangeArgs> = {
  command: 'rm <email>',
  describe: 'Remove a member (owners), or yourself to leave (any member); it takes effect on their next request',
  builder: (y) => withEmail(y) as never,
  handler: (args) => runCommand(args, runRemove),
};

/** `kubidu members`. */
export const membersCommand: CommandModule<GlobalArgs, MembersArgs> = {
  command: 'members',
  describe: 'Project members and roles (owner, deployer, oncall, viewer)',
  builder: (y) =>
    withProject(y)
      .command([lsCommand, addCommand, setCommand, rmCommand] as CommandModule<GlobalArgs, never>[])
      .example('$0 members', 'List the members of the linked project')
      .example('$0 members add ana@example.com --role oncall', 'Add Ana as oncall')
      .example('$0 members set ana@example.com --role viewer', "Change Ana's role")
      .example('$0 members rm ana@example.com', 'Remove Ana')
      .example('$0 members rm me@example.com', 'Leave the project (your own email; a project keeps one owner)'),
  handler: (args) => runCommand(args, runList),
};
