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

/** The SGR codes (open, close) Style writes: the only escape sequences the CLI's own output holds (terminal-safe.ts lets exactly these through). */
export const STYLE_CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

/** Builds a Style for one stream. */
export function createStyle(enabled: boolean): Style {
  const wrap = ([open, close]: readonly [number, number]) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    enabled,
    bold: wrap(STYLE_CODES.bold),
    dim: wrap(STYLE_CODES.dim),
    red: wrap(STYLE_CODES.red),
    green: wrap(STYLE_CODES.green),
    yellow: wrap(STYLE_CODES.yellow),
    cyan: wrap(STYLE_CODES.cyan),
    gray: wrap(STYLE_CODES.gray),
  };
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** A character class of the controls never printed (terminal-safe.ts): C0 but `\t` and `\n`, DEL, C1. */
export const CONTROL_CHARS = '[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]';
const CONTROL = new RegExp(CONTROL_CHARS, 'g');

/** Printed width of a string (ANSI codes and the controls terminal-safe.ts drops removed; one column per code point). */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '').replace(CONTROL, '')].length;
}

/**
 * Writes one JSON document (pretty, newline-terminated): the `--json` contract.
 * JSON.stringify escapes C0 controls but leaves DEL and C1 (U+0080–U+009F, which some
 * terminals obey as escapes) raw; they are written as `\u00XX` too, so the data stays
 * whole and the bytes stay inert.
 */
export function printJson(out: Writer, value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  out.write(`${text}\n`);
}
