/**
 * A hand-written SyncRunner for the in-process controller: deployments whose
 * reason contains FAIL_SYNC end FAILED with a fixed message (what a Degraded
 * Argo CD app would report); everything else ends RUNNING.
 */
import type { SyncRunner } from '../../../controller/src/reconcile/deploy-one.js';

/** The statusMessage a FAIL_SYNC deployment ends with. */
export const FAIL_MESSAGE = 'Argo CD: health Degraded (CrashLoopBackOff in pod api-7d9f)';

/** Builds the runner. */
export function failOnReasonSync(): SyncRunner {
  return {
    appNameFor: (project, service) => `${project}-${service}`,
    async run(input) {
      await input.onStatus('syncing');
      if (input.reason?.includes('FAIL_SYNC')) return { outcome: 'FAILED', message: FAIL_MESSAGE };
      return { outcome: 'RUNNING', message: 'Synced and Healthy', syncedRevision: input.commitSha };
    },
  };
}
