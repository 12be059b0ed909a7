/**
 * What the deploy step reports for metrics: a port, so the reconciler knows no
 * metrics library. core/src/metrics (prom-client) satisfies it; tests and
 * benchmarks that do not care get NO_DEPLOY_METRICS.
 */

/** The calls deploy-one makes as a deployment moves. */
export interface DeployMetrics {
  /** The deployment ended (RUNNING or FAILED). `createdAt`: when the API accepted it. */
  finished(d: { source: string; rollback: boolean; createdAt: Date }, status: 'RUNNING' | 'FAILED'): void;
  /** Its commit was written and pushed in `seconds`, after `attempts` pushes. */
  pushed(seconds: number, attempts: number): void;
  /** Its sync ran `seconds` from trigger to outcome. */
  synced(seconds: number): void;
}

/** Reports nothing. */
export const NO_DEPLOY_METRICS: DeployMetrics = { finished() {}, pushed() {}, synced() {} };
