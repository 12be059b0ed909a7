/**
 * How the webhook route wakes the git importer when the controller runs in
 * another process: a NOTIFY on `kubidu_git_push`, which every controller
 * LISTENs to (controller/src/importer/git-push-listener.ts). In-process
 * (`npm start`), the controller's own trigger is called as well.
 */
import type { DataSource } from 'typeorm';
import { NOTIFY_CHANNELS } from '@kubidu/core/domain/vocabulary';

const GIT_PUSH_CHANNEL = NOTIFY_CHANNELS.gitPush;

/** A `triggerImport` for webhookRoutes: calls the in-process trigger (if any) and NOTIFYs other processes. */
export function createGitPushNotifier(ds: DataSource, local?: () => void): () => Promise<void> {
  return async () => {
    local?.();
    await ds.query(`SELECT pg_notify($1, '')`, [GIT_PUSH_CHANNEL]);
  };
}
