/**
 * LISTEN on `kubidu_deployments` (the deployments insert trigger NOTIFYs it) on a
 * dedicated connection, reconnecting with backoff when Postgres goes away.
 * A missed notification costs at most one poll interval.
 */
import pg from 'pg';
import type { Logger } from '@kubidu/core/logger';
import { errorMessage } from '../errors.js';
import { NOTIFY_CHANNELS } from '@kubidu/core/domain/vocabulary';

export interface Listener {
  stop(): Promise<void>;
}

export function listenForDeployments(url: string, onNotify: () => void, logger: Logger): Listener {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = 500;
  let timer: NodeJS.Timeout | null = null;

  async function connect() {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url });
    c.on('notification', () => onNotify());
    c.on('error', (err) => {
      logger.warn({ err: errorMessage(err) }, 'LISTEN connection lost; reconnecting');
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${NOTIFY_CHANNELS.deployments}`);
      client = c;
      delay = 500;
      onNotify(); // catch up on anything queued while disconnected
    } catch (err) {
      await c.end().catch(() => undefined);
      logger.warn({ err: errorMessage(err) }, `LISTEN failed; retrying in ${delay} ms`);
      schedule();
    }
  }

  function schedule() {
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
