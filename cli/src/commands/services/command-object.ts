/** yargs definition of `kubidu services [create NAME]`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { run, runCreate, type CreateServiceArgs, type ServicesArgs } from './services.js';
import { runSet, type ServicesSetArgs } from './services-set.js';

/** `kubidu services set SERVICE --auto-rollback|--no-auto-rollback [--project P]`. */
export const servicesSetCommand: CommandModule<GlobalArgs, ServicesSetArgs> = {
  command: 'set <service>',
  describe: "Change a service's settings",
  builder: (y) =>
    y
      .positional('service', { type: 'string', demandOption: true, describe: 'Service name (in --project or the linked project) or id' })
      .option('project', { alias: 'p', type: 'string', describe: 'Project name, slug or id (default: from .kubidu.json)' })
      .option('auto-rollback', { type: 'boolean', describe: 'Roll back, through Git, a deploy Argo CD declares failed (--no-auto-rollback: off)' })
      .example('$0 services set web --auto-rollback', 'Turn automatic rollback on for "web"'),
  handler: (args) => runCommand(args, runSet),
};

/** `kubidu services create NAME [--port N] [--project P]`. */
export const servicesCreateCommand: CommandModule<GlobalArgs, CreateServiceArgs> = {
  command: 'create <name>',
  describe: 'Create a service in a project',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'Service name (DNS label)' })
      .option('project', { alias: 'p', type: 'string', describe: 'Project name, slug or id (default: from .kubidu.json)' })
      .option('port', { type: 'number', describe: 'Container port (API default when omitted)' })
      .example('$0 services create api --project shop --port 3000', 'Create the service "api"'),
  handler: (args) => runCommand(args, runCreate),
};

/** `kubidu services [--project P]`. */
export const servicesCommand: CommandModule<GlobalArgs, ServicesArgs> = {
  command: 'services',
  describe: 'List the services of a project (or: services create NAME)',
  builder: (y) =>
    y
      .command(servicesCreateCommand)
      .command(servicesSetCommand)
      .option('project', { alias: 'p', type: 'string', describe: 'Project name, slug or id (default: from .kubidu.json)' })
      .example('$0 services --project shop', 'List the services of "shop"')
      .example('$0 services create web --port 8080', 'Create a service in the linked project'),
  handler: (args) => runCommand(args, run),
};
