/**
 * "3 min ago" next to every row, with the exact time one hover away. The pure
 * formatters take `now` so they are tested without clocks; `useNow` ticks so
 * the labels age while the page stays open.
 */
import { onScopeDispose, ref, type Ref } from 'vue';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "5 minutes ago", "yesterday", "in 2 hours" (clock skew) for an ISO time. */
export function formatRelativeTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const sign = seconds < 0 ? -1 : 1;
  for (const [unit, size] of UNITS) {
    if (abs >= size) return rtf.format(sign * Math.round(abs / size), unit);
  }
  return rtf.format(sign * Math.max(1, Math.round(abs / 60)), 'minute');
}

/** The exact time for the title/tooltip: local date and time with seconds and zone. */
export function formatExactTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return new Date(t).toLocaleString('en', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}

/** A clock ref that ticks every `intervalMs` until the calling scope ends. */
export function useNow(intervalMs = 30_000): Ref<number> {
  const now = ref(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
