/**
 * Minimal output plumbing: the writer interface commands print through (so tests
 * can hand in a fake stdout), and ANSI styling that switches itself off when the
 * stream is not a terminal or NO_COLOR is set.
 */

/** Anything with `write`; process.stdout and a test buffer both fit. */
export interface Writer {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** The terminal's width (process.stdout has it on a terminal). */
  columns?: number;
}

/** The width tables must fit: the terminal's columns, or undefined for a pipe or a file (print cells whole). */
export function terminalWidth(stream: Writer): number | undefined {
  return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined;
}

/** Colour functions; all identity functions when colour is off. */
export interface Style {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
}

/** The no-color.org rule plus FORCE_COLOR, then "only on a terminal". */
export function colorEnabled(stream: Writer, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true;
}

/** Builds a Style for one stream. */
export function createStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    gray: wrap(90, 39),
  };
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Printed width of a string (ANSI codes removed; one column per code point). */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/** Writes one JSON document (pretty, newline-terminated): the `--json` contract. */
export function printJson(out: Writer, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
