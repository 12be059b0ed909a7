import { describe, expect, it } from 'vitest';
import { createStyle, printJson } from './output.js';
import { stripControls, stripControlsKeepingStyle, terminalSafe } from './terminal-safe.js';

const evil = 'Eve\u001b]0;PWNED\u0007\u001b[2J\r\u0000\u007f\u009b1;1H\u0085';

function buffer(isTTY?: boolean) {
  let text = '';
  return { write: (s: string) => (text += s), isTTY, columns: 80, text: () => text };
}

describe('terminal-safe output', () => {
  it('drops C0 (but tab and newline), DEL and C1 controls', () => {
    expect(stripControls(`${evil}\tcol\nnext`)).toBe('Eve]0;PWNED[2J1;1H\tcol\nnext');
  });

  it('keeps the CLI’s own colours on a coloured stream, and only those', () => {
    const style = createStyle(true);
    const line = `${style.red('FAILED')} ${style.bold(evil)} \u001b[8mhidden\u001b[0m`;
    expect(stripControlsKeepingStyle(line)).toBe(`${style.red('FAILED')} ${style.bold('Eve]0;PWNED[2J1;1H')} [8mhidden[0m`);
  });

  it('a wrapped writer cleans every write and reports its stream’s terminal and width', () => {
    const b = buffer(true);
    const w = terminalSafe(b, false);
    w.write(`${createStyle(true).red('x')} ${evil}\n`);
    expect(b.text()).toBe('[31mx[39m Eve]0;PWNED[2J1;1H\n');
    expect(w.isTTY).toBe(true);
    expect(w.columns).toBe(80);
  });

  it('--json escapes DEL and C1 so the data stays whole and the bytes inert', () => {
    const b = buffer();
    printJson(b, { actor: evil });
    expect(b.text()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(b.text())).toEqual({ actor: evil });
  });
});
