/**
 * The settings of one `npm start` process: the API's and, when the controller runs
 * in-process, the controller's, each read by its own loader from the same
 * environment before anything opens, so a typo in either stops the start with
 * CONFIG_INVALID naming the variable.
 */
import { loadConfig, type ApiConfig } from '@kubidu/api/config';
import { loadControllerConfig, type ControllerConfig } from '@kubidu/controller/config';
import type { Env } from '@kubidu/core/config/env';
import { readMetricsListen, type MetricsListen } from '@kubidu/core/config/shared';

/** Both halves of a composed process's settings. */
export interface PlatformConfig {
  api: ApiConfig;
  /** The in-process controller's settings; undefined with KUBIDU_CONTROLLER=off. */
  controller: ControllerConfig | undefined;
  /** KUBIDU_METRICS_HOST/PORT: where GET /metrics is served, apart from the API port; null when unset. */
  metricsListen: MetricsListen | null;
}

/**
 * Reads the whole process's settings. `embedded`: whether the controller will run
 * on the embedded single-connection database (default: no DATABASE_URL).
 */
export function loadPlatformConfig(env: Env, opts: { embedded?: boolean; dataDir?: string } = {}): PlatformConfig {
  const api = loadConfig(env);
  const dataDir = opts.dataDir ?? api.dataDir;
  const embedded = opts.embedded ?? api.databaseUrl === undefined;
  return {
    api: { ...api, dataDir },
    controller: api.runController ? loadControllerConfig(env, dataDir, embedded) : undefined,
    metricsListen: readMetricsListen(env),
  };
}
