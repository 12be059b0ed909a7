/**
 * Plain-text tables for list commands: left-aligned columns separated by two
 * spaces, widths measured without ANSI codes so coloured cells line up.
 */
import { visibleLength } from './output.js';

/** Formats header + rows; trailing spaces are trimmed from every line. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
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
