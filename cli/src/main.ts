/** Entry point of the `kubidu` process (see bin/kubidu.js). */
import { hideBin } from 'yargs/helpers';
import { runCli } from './cli.js';
import { colorEnabled } from './lib/output.js';
import { terminalSafe } from './lib/terminal-safe.js';

await runCli(hideBin(process.argv), process.env, terminalSafe(process.stderr, colorEnabled(process.stderr, process.env)));
