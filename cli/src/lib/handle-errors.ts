/**
 * The single place exit codes are decided: 0 ok, 1 failed, 2 usage or refused.
 * Prints one line `Error [CODE]: message` (plus the HTTP status for API errors,
 * any detail lines, and the stack with --verbose).
 */
import { ApiError, CliError } from './errors.js';
import { colorEnabled, createStyle, type Writer } from './output.js';

/** Runs `fn` and turns its outcome into an exit code; never throws. */
export async function handleErrors(
  fn: () => Promise<unknown>,
  opts: { stderr: Writer; verbose?: boolean; env?: Record<string, string | undefined> },
): Promise<number> {
  try {
    await fn();
    return 0;
  } catch (err) {
    return reportError(err, opts);
  }
}

/** Prints an error the house way and returns its exit code. */
export function reportError(err: unknown, opts: { stderr: Writer; verbose?: boolean; env?: Record<string, string | undefined> }): number {
  const style = createStyle(colorEnabled(opts.stderr, opts.env ?? {}));
  if (isPromptExit(err)) {
    opts.stderr.write(`${style.red('Error [CANCELLED]')}: cancelled at the prompt; nothing was changed\n`);
    return 2;
  }
  const code = err instanceof CliError ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  const status = err instanceof ApiError ? ` (HTTP ${err.statusCode})` : '';
  opts.stderr.write(`${style.red(`Error [${code}]`)}: ${firstLine(message)}${status}\n`);
  if (err instanceof CliError) for (const line of err.details) opts.stderr.write(`  ${line}\n`);
  if (opts.verbose && err instanceof Error && err.stack) opts.stderr.write(`${style.dim(err.stack)}\n`);
  else if (!(err instanceof CliError)) opts.stderr.write(style.dim('(run with --verbose for the stack)\n'));
  return err instanceof CliError ? err.exitCode : 1;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

/** @inquirer/prompts throws ExitPromptError on Ctrl-C / closed stdin. */
function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}
