/**
 * Glue between a yargs handler and a command's `run(args, deps)`: real deps,
 * one handleErrors, and the exit code set on the process.
 */
import type { Deps, GlobalArgs } from './deps.js';
import { handleErrors } from './handle-errors.js';
import { realDeps } from './real-deps.js';

/** Used by every CommandModule handler. */
export async function runCommand<A extends GlobalArgs>(args: A, run: (args: A, deps: Deps) => Promise<unknown>): Promise<void> {
  const deps = realDeps();
  process.exitCode = await handleErrors(() => run(args, deps), { stderr: deps.stderr, verbose: args.verbose, env: deps.env });
}
