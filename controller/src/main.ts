/**
 * `npm run controller`: the reconciler on its own, for running several replicas
 * against one real Postgres. The embedded database lives inside `npm start`'s
 * process, so a standalone controller needs DATABASE_URL.
 */
import { resolve } from 'node:path';
import { openDatabase } from '@kubidu/core/db/data-source';
import type { Logger } from '@kubidu/core/logger';
import { startController } from './start.js';
import { errorMessage } from './errors.js';
import { checkFaultConfig } from './reconcile/fault-pause.js';

function consoleLogger(): Logger {
  const line = (level: string) => (obj: unknown, msg?: string) => {
    const rec = typeof obj === 'object' && obj !== null ? obj : { msg: obj };
    process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), ...rec, ...(msg ? { msg } : {}) }) + '\n');
  };
  return { info: line('info'), warn: line('warn'), error: line('error'), debug: () => undefined };
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      'npm run controller needs DATABASE_URL (a Postgres shared with the API). ' +
        'On the embedded default the controller already runs inside `npm start`.',
    );
    process.exit(2);
  }
  checkFaultConfig(process.env);
  const logger = consoleLogger();
  const ds = await openDatabase({ url, poolMax: Number(process.env.KUBIDU_DB_POOL ?? 5) });
  const dataDir = resolve(process.env.KUBIDU_DATA_DIR || '.kubidu');
  const handle = await startController({ ds, dataDir, env: process.env, logger });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'controller stopping');
    await handle.stop();
    await ds.destroy();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(`controller failed to start: ${errorMessage(err)}`);
  process.exit(1);
});
