/**
 * The metrics port: `GET /metrics` in Prometheus text format on its own listener
 * (KUBIDU_METRICS_HOST / KUBIDU_METRICS_PORT), apart from the API port. That is
 * how the metrics are protected: the API's Service and Ingress never route to
 * this port, and deploy/'s NetworkPolicy lets only the monitoring namespace in.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** A listening metrics server. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port) and serves the registry at /metrics. */
export async function startMetricsServer(registry: Registry, opts: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics port serves GET /metrics only\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
