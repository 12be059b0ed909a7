/**
 * Listens and shuts down gracefully. The app itself is built elsewhere
 * (app.ts); this module only owns the socket, the signals, and the order in
 * which things stop: HTTP first (finish in-flight requests), then whatever the
 * caller registered (controller, database, embedded Postgres), in order.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from './config.js';

/** A listening server. */
export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port` it answers on (the real port when config.port is 0). */
  url: string;
  /** Stops HTTP, then runs the cleanups in order. Safe to call twice. */
  close(): Promise<void>;
}

/** What startServer listens with and what it stops afterwards. */
export interface StartServerOptions {
  app: FastifyInstance;
  config: Pick<ApiConfig, 'host' | 'port'>;
  /** Run after HTTP has stopped, in order (stop controller, close DB, stop embedded PG). */
  cleanups?: Array<() => Promise<void> | void>;
  /** Install SIGINT/SIGTERM handlers that close and exit (the `npm start` process). */
  handleSignals?: boolean;
}

/** Listens on config.host/port; with handleSignals, SIGINT/SIGTERM close everything and exit 0. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const { app, config } = opts;
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close().catch((err) => app.log.error({ err }, 'closing HTTP failed'));
      for (const cleanup of opts.cleanups ?? []) {
        try {
          await cleanup();
        } catch (err) {
          app.log.error({ err }, 'shutdown step failed');
        }
      }
    })());
  if (opts.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      app.log.info({ signal }, 'shutting down');
      // A second signal while closing exits at once.
      process.once(signal, () => process.exit(1));
      void close().then(() => process.exit(0));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { app, url: `http://${host}:${port}`, close };
}
