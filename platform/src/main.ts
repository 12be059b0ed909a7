/**
 * `npm start`: the whole product on one machine with no configuration. Composes
 * Kubidu (compose.ts: embedded PGlite under the data dir unless DATABASE_URL,
 * generated keys, the API and the in-process controller), listens, and prints
 * where everything is.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '@kubidu/api/server';
import { startMetricsServer } from '@kubidu/core/metrics/server';
import { composeKubidu, WEB_DIST_DIR } from './compose.js';

/** Describes a DATABASE_URL without its credentials, for the start-up banner. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * Starts everything `npm start` runs and returns the listening server.
 * `print` receives the human-readable banner lines.
 */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  opts: { handleSignals?: boolean; print?: (line: string) => void; logger?: boolean | Record<string, unknown> } = {},
): Promise<RunningServer> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const kubidu = await composeKubidu(env, { apiLogger: opts.logger });
  const { config, embedded } = kubidu;
  const metricsServer = kubidu.metricsListen ? await startMetricsServer(kubidu.metrics.registry, kubidu.metricsListen) : null;
  const server = await startServer({
    app: kubidu.app,
    config,
    handleSignals: opts.handleSignals,
    cleanups: [() => kubidu.stop(), async () => metricsServer?.close()],
  });
  print(`Kubidu is answering on ${server.url}`);
  print(`Data directory: ${config.dataDir}`);
  print(
    embedded
      ? `Database: embedded PGlite in ${embedded.dataPath} (set DATABASE_URL to use your own Postgres)`
      : `Database: ${describeUrl(config.databaseUrl!)} (DATABASE_URL)`,
  );
  print(`Web app: ${existsSync(join(WEB_DIST_DIR, 'index.html')) ? server.url : 'not built (npm run build -w web)'} · API docs: ${server.url}/docs`);
  if (metricsServer) print(`Metrics: ${metricsServer.url} (KUBIDU_METRICS_PORT)`);
  if (!config.runController) print('Controller: off (KUBIDU_CONTROLLER=off); deployments stay QUEUED until one runs');
  return server;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.env, { handleSignals: true }).catch((err) => {
    console.error(`kubidu: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
