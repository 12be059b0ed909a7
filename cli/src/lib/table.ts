/**
 * Plain-text tables for list commands: left-aligned columns separated by two
 * spaces, widths measured without ANSI codes so coloured cells line up.
 */
import { visibleLength } from './output.js';

/** How one column gives way when the table is wider than the terminal (as `kubectl get` does). */
export interface ColumnFit {
  /** Narrowest it may be cut to (with an ellipsis); unset = never cut. */
  min?: number;
  /** Columns are dropped lowest rank first (1 goes first) when cutting is not enough; unset = never dropped. */
  drop?: number;
}

/**
 * Formats header + rows; trailing spaces are trimmed from every line. With a
 * `width` (the terminal's columns) the table fits it: cuttable columns are cut
 * (widest first, down to their `min`), and when that is not enough the
 * lowest-ranked droppable columns go, so no row wraps. Without a width (a pipe,
 * a file) every cell is printed whole.
 */
export function formatTable(headers: string[], rows: string[][], opts: { width?: number; fit?: ColumnFit[] } = {}): string {
  const natural = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const widths = opts.width ? fitWidths(natural, opts.fit ?? [], opts.width) : natural;
  const shown = widths.map((w, i) => (w < 0 ? -1 : i)).filter((i) => i >= 0);
  const line = (cells: string[]) =>
    shown
      .map((i, k) => {
        const c = visibleLength(cells[i] ?? '') > widths[i] ? truncateStyled(cells[i], widths[i]) : (cells[i] ?? '');
        return k === shown.length - 1 ? c : c + ' '.repeat(widths[i] - visibleLength(c));
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Column widths that fit `width` (a dropped column gets -1); the pure part of formatTable. */
export function fitWidths(natural: readonly number[], fit: readonly ColumnFit[], width: number): number[] {
  const w = [...natural];
  const total = () => {
    const live = w.filter((x) => x >= 0);
    return live.reduce((a, b) => a + b, 0) + 2 * Math.max(0, live.length - 1);
  };
  const floor = (i: number) => Math.min(natural[i], fit[i]?.min ?? natural[i]);
  const atFloors = () => w.reduce((a, x, i) => a + (x < 0 ? 0 : floor(i) + 2), -2);
  // Drop, lowest rank first, while even the cut-down columns would not fit.
  const droppable = fit.map((f, i) => ({ i, rank: f?.drop })).filter((c) => c.rank !== undefined && natural[c.i] > 0);
  droppable.sort((a, b) => a.rank! - b.rank!);
  for (const c of droppable) {
    if (atFloors() <= width) break;
    w[c.i] = -1;
  }
  // Cut the widest cuttable column, one column of text at a time.
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i] > floor(i) && (widest < 0 || w[i] > w[widest])) widest = i;
    if (widest < 0) break;
    w[widest]--;
  }
  return w;
}

const STYLED = /^(\u001b\[[0-9;]*m)(.*)(\u001b\[[0-9;]*m)$/s;

/** truncate() for a cell that may be wrapped in one colour; other ANSI codes are dropped when it is cut. */
function truncateStyled(cell: string, max: number): string {
  const m = STYLED.exec(cell);
  if (m && !m[2].includes('\u001b')) return `${m[1]}${truncate(m[2], max)}${m[3]}`;
  return truncate(cell.replace(/\u001b\[[0-9;]*m/g, ''), max);
}

/** Cuts a string to `max` columns with an ellipsis; newlines become spaces. */
export function truncate(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** "5m ago"-style age of a timestamp relative to `now`. */
export function formatAge(iso: string | Date, now: Date): string {
  const t = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  const d = Math.floor(h / 24);
  if (d < 60) return `${d}d ago`;
  return new Date(t).toISOString().slice(0, 10);
}
