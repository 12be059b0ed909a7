/**
 * The one composition of a Kubidu process: the database (embedded PGlite unless
 * DATABASE_URL, or one handed in by a test), the keys, the API app and the
 * controller in the same process (unless KUBIDU_CONTROLLER=off), wired to each
 * other. `npm start` (main.ts), the live test stack (test-support/stack.ts) and the
 * benchmark all build Kubidu here, so what they run is what users run.
 * It never listens: main.ts (or the caller) does.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppDeps } from '@kubidu/api/app';
import type { ApiConfig } from '@kubidu/api/config';
import { SecretBox, loadOrCreateKey } from '@kubidu/core/crypto/secret-box';
import { openDatabase } from '@kubidu/core/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@kubidu/core/db/embedded';
import type { Logger } from '@kubidu/core/logger';
import { createMetrics, type KubiduMetrics } from '@kubidu/core/metrics/metrics';
import { queuedDeployments } from '@kubidu/core/metrics/queue-depth';
import { startController, type ControllerHandle, type ControllerOptions } from '@kubidu/controller/start';
import { loadPlatformConfig, type PlatformConfig } from './config.js';

/** Where `npm run build -w web` puts the web app. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The data dir's JWT secret (`jwt.secret`, mode 0600), created on first use. */
export function loadOrCreateJwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/** How to compose; everything is optional and defaults to what `npm start` does. */
export interface ComposeOptions {
  /** An open, migrated database to use instead of DATABASE_URL/embedded (tests, bench); the caller closes it. */
  ds?: DataSource;
  /** Overrides of the API config (tests listen on port 0, use their own data dir). */
  config?: Partial<ApiConfig>;
  /** The API's fastify logger option (false in tests). */
  apiLogger?: BuildAppDeps['logger'];
  /** The controller's logger; default: the API's logger. */
  controllerLogger?: Logger;
  /** Test and bench seams of the controller (a sync runner, a secrets writer, no importer…). */
  controllerOverrides?: ControllerOptions['overrides'];
  /** The built web app to serve; default web/dist when built. */
  webDistDir?: string;
}

/** A composed Kubidu process, ready to listen. */
export interface Kubidu {
  app: FastifyInstance;
  ds: DataSource;
  config: ApiConfig;
  secretBox: SecretBox;
  /** The in-process controller, or null with KUBIDU_CONTROLLER=off. */
  controller: ControllerHandle | null;
  /** The embedded database, when neither DATABASE_URL nor `ds` was given. */
  embedded: EmbeddedPostgres | null;
  /** This process's Prometheus registry and the calls that move it (main.ts serves it on the metrics port). */
  metrics: KubiduMetrics;
  /** Where to serve the metrics (KUBIDU_METRICS_PORT), or null. */
  metricsListen: PlatformConfig['metricsListen'];
  /** Stops the controller, then the database it opened (not one handed in), in that order. Call after the app closed. */
  stop(): Promise<void>;
}

/** Builds one Kubidu process from the environment (see ComposeOptions for what a caller may replace). */
export async function composeKubidu(env: NodeJS.ProcessEnv = process.env, opts: ComposeOptions = {}): Promise<Kubidu> {
  // A database handed in is never the embedded one; otherwise DATABASE_URL decides.
  const settings = loadPlatformConfig(env, { embedded: opts.ds ? false : undefined, dataDir: opts.config?.dataDir });
  const config = { ...settings.api, ...opts.config };
  mkdirSync(config.dataDir, { recursive: true });

  let embedded: EmbeddedPostgres | null = null;
  let ds = opts.ds;
  if (!ds) {
    let url = config.databaseUrl;
    if (!url) {
      embedded = await startEmbeddedPostgres(config.dataDir);
      url = embedded.url;
    }
    ds = await openDatabase({ url, poolMax: embedded ? 1 : 10 });
  }
  const secretBox = new SecretBox(loadOrCreateKey(config.encryptionKey, config.dataDir));
  const jwtSecret = config.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir);

  const db = ds;
  const metrics = createMetrics({ queueDepth: () => queuedDeployments(db) });

  let controller: ControllerHandle | null = null;
  const app = buildApp({
    ds,
    secretBox,
    jwtSecret,
    config,
    wakeController: () => controller?.wake(),
    triggerGitImport: () => controller?.triggerImport(),
    webDistDir: opts.webDistDir ?? WEB_DIST_DIR,
    logger: opts.apiLogger ?? { level: config.logLevel },
  });
  await app.ready();
  if (settings.controller) {
    controller = await startController({
      ds,
      config: settings.controller,
      logger: opts.controllerLogger ?? app.log,
      overrides: opts.controllerOverrides,
      metrics,
    });
  }
  const ownDs = opts.ds ? null : ds;
  return {
    app,
    ds,
    config,
    secretBox,
    controller,
    embedded,
    metrics,
    metricsListen: settings.metricsListen,
    async stop() {
      await controller?.stop();
      await ownDs?.destroy();
      await embedded?.stop();
    },
  };
}
