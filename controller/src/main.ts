/**
 * `npm run controller`: the reconciler on its own, for running several replicas
 * against one real Postgres. The embedded database lives inside `npm start`'s
 * process, so a standalone controller needs DATABASE_URL.
 */
import { openDatabase } from '@kubidu/core/db/data-source';
import type { Logger } from '@kubidu/core/logger';
import { startController } from './start.js';
import { errorMessage } from './errors.js';
import { createFaultPause } from './reconcile/fault-pause.js';
import { loadControllerProcessConfig } from './config.js';
import { createMetrics } from '@kubidu/core/metrics/metrics';
import { queuedDeployments } from '@kubidu/core/metrics/queue-depth';
import { startMetricsServer } from '@kubidu/core/metrics/server';

function consoleLogger(): Logger {
  const line = (level: string) => (obj: unknown, msg?: string) => {
    const rec = typeof obj === 'object' && obj !== null ? obj : { msg: obj };
    process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), ...rec, ...(msg ? { msg } : {}) }) + '\n');
  };
  return { info: line('info'), warn: line('warn'), error: line('error'), debug: () => undefined };
}

async function main() {
  const config = loadControllerProcessConfig(process.env);
  const url = config.databaseUrl;
  if (!url) {
    console.error(
      'npm run controller needs DATABASE_URL (a Postgres shared with the API). ' +
        'On the embedded default the controller already runs inside `npm start`.',
    );
    process.exit(2);
  }
  const logger = consoleLogger();
  // Signals are handled from the first moment: one that arrives while starting stops
  // the process once it has started (never node's default, which kills mid-claim).
  let signalled: string | null = null;
  let stop: ((signal: string) => void) | null = null;
  const onSignal = (signal: string) => {
    if (signalled) return;
    signalled = signal;
    stop?.(signal);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const ds = await openDatabase({ url, poolMax: config.dbPool });
  const faults = createFaultPause(config.faultPauseAt);
  const metrics = createMetrics({ queueDepth: () => queuedDeployments(ds) });
  const metricsServer = config.metricsListen ? await startMetricsServer(metrics.registry, config.metricsListen) : null;
  if (metricsServer) logger.info({ url: metricsServer.url }, 'serving metrics');
  const handle = await startController({ ds, config: config.controller, logger, faults, metrics });
  // SIGTERM: claim nothing more, let steps in flight finish (5 s) or hand their leases back.
  stop = (signal: string) => {
    logger.info({ signal }, 'controller stopping');
    void (async () => {
      await handle.stop();
      await metricsServer?.close();
      await ds.destroy();
      process.exit(0);
    })();
  };
  if (signalled) stop(signalled);
}

main().catch((err) => {
  const code = (err as { code?: unknown })?.code;
  console.error(`controller failed to start: ${typeof code === 'string' ? `${code}: ` : ''}${errorMessage(err)}`);
  process.exit(1);
});
