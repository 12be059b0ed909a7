/**
 * How the webhook route wakes the git importer when the controller runs in
 * another process: a NOTIFY on `kubidu_git_push`, which every controller
 * LISTENs to (controller/src/importer/git-push-listener.ts). In-process
 * (`npm start`), the controller's own trigger is called as well.
 */
import type { DataSource } from 'typeorm';

/** Channel shared with the controller's listener. */
export const GIT_PUSH_CHANNEL = 'kubidu_git_push';

/** A `triggerImport` for webhookRoutes: calls the in-process trigger (if any) and NOTIFYs other processes. */
export function createGitPushNotifier(ds: DataSource, local?: () => void): () => Promise<void> {
  return async () => {
    local?.();
    await ds.query(`SELECT pg_notify($1, '')`, [GIT_PUSH_CHANNEL]);
  };
}
