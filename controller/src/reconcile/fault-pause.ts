/**
 * Crash points for the fault tests, off unless KUBIDU_FAULT_PAUSE_AT names one.
 * A test cannot SIGKILL a process "right after the push" by timing; instead it
 * starts the controller with KUBIDU_FAULT_PAUSE_AT=<point>, waits for the marker
 * line `KUBIDU_FAULT_PAUSED <point> <deploymentId>` on stdout, and kills it
 * there. Every deployment that reaches the point hangs (its lease keeps being
 * renewed until the kill), nothing else changes. Never set it in production.
 */

/** The steps of deploy-one a test can stop the process at. */
export const FAULT_POINTS = ['after-claim', 'after-commit-written', 'after-push', 'watching-sync'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** Fails fast on a misspelt point, so a fault test cannot silently run without its fault. */
export function checkFaultConfig(env: NodeJS.ProcessEnv = process.env): void {
  const v = env.KUBIDU_FAULT_PAUSE_AT;
  if (v && !(FAULT_POINTS as readonly string[]).includes(v)) {
    throw new Error(`KUBIDU_FAULT_PAUSE_AT must be one of ${FAULT_POINTS.join(', ')}, got "${v}"`);
  }
}

/** True when the process was started to pause at `point`. */
export function faultPauseEnabled(point: FaultPoint): boolean {
  return process.env.KUBIDU_FAULT_PAUSE_AT === point;
}

/** At `point` with the hook on: print the marker and never resolve. Otherwise a no-op. */
export async function faultPause(point: FaultPoint, deploymentId: string): Promise<void> {
  if (!faultPauseEnabled(point)) return;
  process.stdout.write(`KUBIDU_FAULT_PAUSED ${point} ${deploymentId}\n`);
  await new Promise<never>(() => undefined);
}
