/**
 * The bench's wiring of the API and an in-process controller — the one place
 * that calls buildApp and startController, so the composition `npm start` uses
 * can replace it without touching the measured sections.
 */
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { FastifyInstance } from 'fastify';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { Logger } from '@kubidu/core/logger';
import { buildApp } from '../../api/src/app.js';
import { loadConfig } from '../../api/src/config.js';
import { startController, type ControllerHandle } from '../../controller/src/start.js';

/** What startApiAndController needs. */
export interface ApiAndControllerOptions {
  ds: DataSource;
  dataDir: string;
  /** KUBIDU_ENCRYPTION_KEY (base64, 32 bytes): the API's SecretBox and the controller's env share it. */
  key: string;
  /** Run the controller in-process (LISTEN/NOTIFY), woken by the API. */
  controller: boolean;
  /** The controller's environment (MANIFESTS_REPO_URL, KUBIDU_SYNC, ARGOCD_*…). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** The API listening on loopback, with the in-process controller when asked for. */
export interface ApiAndController {
  app: FastifyInstance;
  apiUrl: string;
  controller: ControllerHandle | null;
  stop(): Promise<void>;
}

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Starts the controller (when asked) and the API wired to wake it; the API listens on a free loopback port. */
export async function startApiAndController(o: ApiAndControllerOptions): Promise<ApiAndController> {
  const controller = o.controller ? await startController({ ds: o.ds, dataDir: o.dataDir, env: o.env ?? {}, logger: o.logger ?? silent }) : null;
  const app = buildApp({
    ds: o.ds,
    secretBox: new SecretBox(Buffer.from(o.key, 'base64')),
    jwtSecret: randomBytes(32).toString('base64'),
    config: { ...loadConfig({ KUBIDU_DATA_DIR: o.dataDir }), host: '127.0.0.1', port: 0, dataDir: o.dataDir },
    wakeController: controller ? controller.wake : undefined,
    triggerGitImport: controller ? controller.triggerImport : undefined,
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    apiUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    controller,
    async stop() {
      await app.close();
      await controller?.stop();
    },
  };
}
