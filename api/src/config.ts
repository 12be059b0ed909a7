/**
 * One validated view of the environment for the API process. Fails fast at
 * start-up with a message naming the setting, never later at request time.
 */
import { resolve } from 'node:path';
import type { WebConfig } from '@kubidu/core/contract/config';
import { webLinks } from './modules/config/web-links.js';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export interface ApiConfig {
  host: string;
  port: number;
  /** Unset → embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  encryptionKey: string | undefined;
  /** HS256 secret for login tokens; unset → generated into the data dir. */
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  /** Origins allowed by CORS; empty → CORS closed. */
  corsOrigins: string[];
  /** Run the controller in the same process (the `npm start` default). */
  runController: boolean;
  logLevel: string;
  /** KUBIDU_WEBHOOK_SECRET: shared secret of the manifests repo's push webhook; unset → the webhook route answers 503. */
  webhookSecret: string | undefined;
  /** MANIFESTS_BRANCH: pushes to other branches are ignored by the webhook. */
  manifestsBranch: string;
  /** KUBIDU_COMMIT_URL_TEMPLATE, ARGOCD_URL (+ ARGOCD_NAMESPACE, ARGOCD_APP_TEMPLATE): the links `GET /api/config` serves. */
  webLinks: WebConfig;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080, 0, 65535),
    databaseUrl,
    dataDir: resolve(env.KUBIDU_DATA_DIR || '.kubidu'),
    encryptionKey: env.KUBIDU_ENCRYPTION_KEY || undefined,
    jwtSecret: env.KUBIDU_JWT_SECRET || undefined,
    jwtTtlSeconds: int(env, 'KUBIDU_TOKEN_TTL_SECONDS', 12 * 3600, 60, 90 * 24 * 3600),
    corsOrigins: (env.KUBIDU_CORS_ORIGINS || '').split(',').map((s) => s.trim()).filter(Boolean),
    runController: (env.KUBIDU_CONTROLLER ?? 'inline') !== 'off',
    logLevel: env.LOG_LEVEL || 'info',
    webhookSecret: env.KUBIDU_WEBHOOK_SECRET || undefined,
    manifestsBranch: env.MANIFESTS_BRANCH?.trim() || 'main',
    webLinks: webLinks(env, (message) => {
      throw new ConfigError(message);
    }),
  };
}
