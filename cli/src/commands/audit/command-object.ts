/** yargs definition of `kubidu audit`. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/deps.js';
import { withServiceOptions } from '../../lib/options.js';
import { runCommand } from '../../lib/run-command.js';
import { run, type AuditArgs } from './audit.js';

/** `kubidu audit [--project P] [--service S] [--limit N]`. */
export const auditCommand: CommandModule<GlobalArgs, AuditArgs> = {
  command: 'audit',
  describe: 'Show the audit log (linked service, --service, --project, or every project you are a member of)',
  builder: (y) =>
    withServiceOptions(y)
      .option('limit', { alias: 'n', type: 'number', default: 50, describe: 'How many rows' })
      .example('$0 audit', 'Audit log of the linked service')
      .example('$0 audit --project shop --limit 200', 'A whole project')
      .example('$0 audit --json', 'As JSON'),
  handler: (args) => runCommand(args, run),
};
