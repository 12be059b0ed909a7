/**
 * `npm start`: the whole product on one machine with no configuration.
 * loadConfig → database (embedded PGlite under the data dir unless DATABASE_URL)
 * → encryption key and JWT secret (env, or generated once into the data dir,
 * mode 0600) → controller in-process (unless KUBIDU_CONTROLLER=off) → the API,
 * serving the built web app from web/dist when present → listen.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { SecretBox, loadOrCreateKey } from '@kubidu/core/crypto/secret-box';
import { openDatabase } from '@kubidu/core/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@kubidu/core/db/embedded';
import { startServer, type RunningServer } from './server.js';

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

/** Where `npm run build -w web` puts the web app. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

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
  const config = loadConfig(env);
  mkdirSync(config.dataDir, { recursive: true });

  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    url = embedded.url;
  }
  const ds = await openDatabase({ url, poolMax: embedded ? 1 : 10 });
  const secretBox = new SecretBox(loadOrCreateKey(config.encryptionKey, config.dataDir));
  const jwtSecret = config.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir);

  let controller: { wake(): void; triggerImport(): void; stop(): Promise<void> } | undefined;
  const app = buildApp({
    ds,
    secretBox,
    jwtSecret,
    config,
    wakeController: () => controller?.wake(),
    triggerGitImport: () => controller?.triggerImport(),
    webDistDir: WEB_DIST_DIR,
    logger: opts.logger ?? { level: config.logLevel },
  });
  await app.ready();
  if (config.runController) {
    const { startController } = await import('@kubidu/controller/start');
    controller = await startController({ ds, config: config.controller!, logger: app.log });
  }

  const server = await startServer({
    app,
    config,
    handleSignals: opts.handleSignals,
    cleanups: [() => controller?.stop(), () => ds.destroy(), () => embedded?.stop()],
  });
  print(`Kubidu is answering on ${server.url}`);
  print(`Data directory: ${config.dataDir}`);
  print(
    embedded
      ? `Database: embedded PGlite in ${embedded.dataPath} (set DATABASE_URL to use your own Postgres)`
      : `Database: ${describeUrl(url)} (DATABASE_URL)`,
  );
  print(`Web app: ${existsSync(join(WEB_DIST_DIR, 'index.html')) ? server.url : 'not built (npm run build -w web)'} · API docs: ${server.url}/docs`);
  if (!config.runController) print('Controller: off (KUBIDU_CONTROLLER=off); deployments stay QUEUED until one runs');
  return server;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.env, { handleSignals: true }).catch((err) => {
    console.error(`kubidu: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
