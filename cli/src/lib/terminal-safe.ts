/**
 * Text from outside — a git author's name, a commit subject, an image reference, a
 * reason, a server's error message — can carry terminal control sequences
 * (`Eve\e]0;PWNED\a\e[2J` sets the window title and clears the screen). Rather than
 * cleaning each field in each command, every stream the CLI writes to goes through
 * terminalSafe (real-deps.ts, main.ts): C0 controls but tab and newline, DEL and C1
 * controls are dropped on the way out. The one exception is the CLI's own colour:
 * on a stream with colour on, the exact SGR sequences Style writes (STYLE_CODES) pass.
 * Text shown elsewhere (spinner, prompts) goes through stripControls.
 */
import { CONTROL_CHARS as CONTROLS, STYLE_CODES, type Writer } from './output.js';

const CONTROL_RE = new RegExp(CONTROLS, 'g');
const OWN_CODES = [...new Set(Object.values(STYLE_CODES).flat())].join('|');
/** One of Style's own sequences (kept), or any control character (dropped). */
const STYLE_OR_CONTROL_RE = new RegExp(`(\\u001b\\[(?:${OWN_CODES})m)|${CONTROLS}`, 'g');

/** `text` without control characters (tab and newline kept). */
export function stripControls(text: string): string {
  return text.replace(CONTROL_RE, '');
}

/** `text` without control characters, except Style's own colour sequences. */
export function stripControlsKeepingStyle(text: string): string {
  return text.replace(STYLE_OR_CONTROL_RE, (_m, own: string | undefined) => own ?? '');
}

/** A writer that drops control characters on the way to `w`; with `keepStyle`, Style's colours pass. */
export function terminalSafe(w: Writer, keepStyle: boolean): Writer {
  const clean = keepStyle ? stripControlsKeepingStyle : stripControls;
  return {
    write: (chunk: string) => w.write(clean(String(chunk))),
    get isTTY() {
      return w.isTTY;
    },
    get columns() {
      return w.columns;
    },
  };
}
