/**
 * Cross-process webhook wake-up: when the API runs apart from the controller,
 * the webhook route NOTIFYs `kubidu_git_push` and every controller LISTENs here
 * and triggers its importer (the advisory lock lets one of them do the work).
 * A missed notification costs at most one poll interval.
 */
import pg from 'pg';
import type { Logger } from '@kubidu/core/logger';
import { errorMessage } from '../errors.js';
import { NOTIFY_CHANNELS } from '@kubidu/core/domain/vocabulary';

const GIT_PUSH_CHANNEL = NOTIFY_CHANNELS.gitPush;

/** LISTENs on GIT_PUSH_CHANNEL with a dedicated connection, reconnecting with backoff. */
export function listenForGitPushes(url: string, onPush: () => void, logger: Logger): { stop(): Promise<void> } {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = 500;
  let timer: NodeJS.Timeout | null = null;

  async function connect() {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url });
    c.on('notification', () => onPush());
    c.on('error', (err) => {
      logger.warn({ err: errorMessage(err) }, 'git push LISTEN connection lost; reconnecting');
      retry();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${GIT_PUSH_CHANNEL}`);
      client = c;
      delay = 500;
    } catch (err) {
      await c.end().catch(() => undefined);
      logger.warn({ err: errorMessage(err) }, `git push LISTEN failed; retrying in ${delay} ms`);
      retry();
    }
  }

  function retry() {
    if (stopped || timer) return;
    const old = client;
    client = null;
    old?.end().catch(() => undefined);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    timer.unref?.();
    delay = Math.min(30_000, delay * 2);
  }

  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
