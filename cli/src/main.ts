/** Entry point of the `kubidu` process (see bin/kubidu.js). */
import { hideBin } from 'yargs/helpers';
import { runCli } from './cli.js';

await runCli(hideBin(process.argv), process.env);
