/**
 * The bench's Kubidu: the platform composition `npm start` runs (API + in-process
 * controller), on the bench's database and data dir, listening on loopback.
 */
import type { DataSource } from 'typeorm';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@kubidu/core/logger';
import type { ControllerHandle } from '@kubidu/controller/start';
import { composeKubidu } from '@kubidu/platform/compose';

/** What startApiAndController needs. */
export interface ApiAndControllerOptions {
  ds: DataSource;
  dataDir: string;
  /** KUBIDU_ENCRYPTION_KEY (base64, 32 bytes): the API's SecretBox and the controller's share it. */
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

/** Composes Kubidu as `npm start` does (controller only when asked) and listens on a free loopback port. */
export async function startApiAndController(o: ApiAndControllerOptions): Promise<ApiAndController> {
  const env: NodeJS.ProcessEnv = {
    ...o.env,
    KUBIDU_DATA_DIR: o.dataDir,
    KUBIDU_ENCRYPTION_KEY: o.key,
    KUBIDU_CONTROLLER: o.controller ? 'inline' : 'off',
  };
  const kubidu = await composeKubidu(env, {
    ds: o.ds,
    config: { host: '127.0.0.1', port: 0, dataDir: o.dataDir },
    apiLogger: false,
    controllerLogger: o.logger ?? silent,
    webDistDir: '',
  });
  const { app } = kubidu;
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    apiUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    controller: kubidu.controller,
    async stop() {
      await app.close();
      await kubidu.stop();
    },
  };
}
