/**
 * How a timed series is taken and summarised: percentiles, a sequential series,
 * and interleaved rounds — the form that makes a ratio between two ways of doing
 * the same thing mean something on a machine whose load drifts during the run.
 */

/** Timing summary of one series. */
export interface Stats { n: number; p50: number; p95: number; p99: number; mean: number }

/** Percentiles (nearest-rank) of samples in ms. */
export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { n: s.length, p50: q(50), p95: q(95), p99: q(99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Runs `step` warmup + samples times sequentially and returns the timed samples (ms). */
export async function measure(step: (i: number) => Promise<void>, opts: { samples: number; warmup?: number }): Promise<number[]> {
  for (let i = 0; i < (opts.warmup ?? 0); i++) await step(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    const t0 = performance.now();
    await step(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** The rounds interleave() kept: one sample per step per kept round, index-aligned. */
export interface Interleaved<K extends string> {
  samples: Record<K, number[]>;
  /** Round number (0-based, warm-ups excluded) of each kept sample. */
  rounds: number[];
  /** Timed rounds dropped because a step returned null. */
  dropped: number;
  warmup: number;
}

/**
 * Runs warmup + samples rounds; each round runs every step once, sequentially,
 * in an order rotated by one per round (with two steps: alternating), so no step
 * always goes first or always follows the same one. A step returns its own
 * measurement in ms (it may time only part of what it does), or null to drop
 * the whole round, so the series stay pairs.
 */
export async function interleave<K extends string>(
  steps: Record<K, (round: number) => Promise<number | null>>,
  opts: { samples: number; warmup: number },
): Promise<Interleaved<K>> {
  const keys = Object.keys(steps) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const rounds: number[] = [];
  let dropped = 0;
  for (let r = -opts.warmup; r < opts.samples; r++) {
    const shift = ((r % keys.length) + keys.length) % keys.length;
    const order = [...keys.slice(shift), ...keys.slice(0, shift)];
    const got = new Map<K, number>();
    let keep = true;
    for (const k of order) {
      const v = await steps[k](r);
      if (v === null) keep = false;
      else got.set(k, v);
    }
    if (r < 0) continue;
    if (!keep) {
      dropped++;
      continue;
    }
    for (const k of keys) samples[k].push(got.get(k)!);
    rounds.push(r);
  }
  return { samples, rounds, dropped, warmup: opts.warmup };
}

/** Per-round ratios a[i] / b[i] of two index-aligned series. */
export function pairRatios(a: number[], b: number[]): number[] {
  return a.map((x, i) => x / b[i]);
}
