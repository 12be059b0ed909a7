/** yargs definition of `kubidu projects [create NAME]`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { run, runCreate, type CreateProjectArgs } from './projects.js';

/** `kubidu projects create NAME [--slug S]`. */
export const projectsCreateCommand: CommandModule<GlobalArgs, CreateProjectArgs> = {
  command: 'create <name>',
  describe: 'Create a project',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'Project name' })
      .option('slug', { type: 'string', describe: 'DNS label used in the manifests repo (default: derived from the name)' })
      .example('$0 projects create shop', 'Create the project "shop"'),
  handler: (args) => runCommand(args, runCreate),
};

/** `kubidu projects`. */
export const projectsCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'projects',
  describe: 'List your projects (or: projects create NAME)',
  builder: (y) =>
    y
      .command(projectsCreateCommand)
      .example('$0 projects', 'List your projects')
      .example('$0 projects --json', 'As JSON')
      .example('$0 projects create shop', 'Create a project'),
  handler: (args) => runCommand(args, run),
};
