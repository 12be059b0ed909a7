/**
 * Crash points for the fault tests, handed to the deploy step as a dependency
 * (a no-op unless the composition installs one). A test cannot SIGKILL a
 * process "right after the push" by timing; instead it starts `npm run
 * controller` with KUBIDU_FAULT_PAUSE_AT=<point> (read only by that entry's
 * loader), waits for the marker line `KUBIDU_FAULT_PAUSED <point> <deploymentId>`
 * on stdout, and kills it there. Every deployment that reaches the point hangs
 * (its lease keeps being renewed until the kill), nothing else changes. Never
 * set it in production.
 */

/** The steps of deploy-one a test can stop the process at. */
export const FAULT_POINTS = ['after-claim', 'after-commit-written', 'after-push', 'watching-sync'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** The pause hook the deploy step, manifests writer and sync runner call at each fault point. */
export interface FaultPause {
  /** The point this process pauses at, or null (the hook is a no-op). */
  readonly at: FaultPoint | null;
  /** At `at`: print the marker and never resolve. Anywhere else: resolve at once. */
  pause(point: FaultPoint, deploymentId: string): Promise<void>;
}

/** The default: no fault point, every call passes straight through. */
export const NO_FAULT_PAUSE: FaultPause = { at: null, pause: async () => undefined };

/** A hook that pauses at `at` (null → NO_FAULT_PAUSE), writing the marker line with `write`. */
export function createFaultPause(
  at: FaultPoint | null,
  write: (line: string) => void = (line) => void process.stdout.write(line),
): FaultPause {
  if (at === null) return NO_FAULT_PAUSE;
  return {
    at,
    async pause(point, deploymentId) {
      if (point !== at) return;
      write(`KUBIDU_FAULT_PAUSED ${point} ${deploymentId}\n`);
      await new Promise<never>(() => undefined);
    },
  };
}
