/** Entry point of the `kubidu` process (see bin/kubidu.js). */
import { hideBin } from 'yargs/helpers';
import { buildCli } from './cli.js';

await buildCli(hideBin(process.argv), process.env).parseAsync();
