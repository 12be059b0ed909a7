/**
 * One validated view of the environment for the API process (`npm start`). Fails
 * fast at start-up with a ConfigError (CONFIG_INVALID) naming the setting, never
 * later at request time. The in-process controller's settings are the
 * controller's own loader's; the platform (platform/src/config.ts) reads both
 * before anything starts.
 */
import { ConfigError, readEnum, readDuration, readInt, readSecret, readString, type Env } from '@kubidu/core/config/env';
import { isIP } from 'node:net';
import { readArgoAppTemplate, readDataDir, readDatabaseUrl, readEncryptionKey, readManifestsBranch, readNamespacePrefix, readWebhookAllowPrivate } from '@kubidu/core/config/shared';
import type { WebConfig } from '@kubidu/core/contract/config';
import { webLinks } from './modules/config/web-links.js';

/** pino's levels, the values LOG_LEVEL may take. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  logLevel: (typeof LOG_LEVELS)[number];
  /** KUBIDU_WEBHOOK_SECRET: shared secret of the manifests repo's push webhook; unset → the webhook route answers 503. */
  webhookSecret: string | undefined;
  /** MANIFESTS_BRANCH: pushes to other branches are ignored by the webhook. */
  manifestsBranch: string;
  /** KUBIDU_COMMIT_URL_TEMPLATE, ARGOCD_URL (+ ARGOCD_NAMESPACE, ARGOCD_APP_TEMPLATE): the links `GET /api/config` serves. */
  webLinks: WebConfig;
  /** KUBIDU_NAMESPACE_PREFIX: a project deploys to prefix + slug; decides which slugs fit. */
  namespacePrefix: string;
  /** ARGOCD_APP_TEMPLATE: the Application name each service view shows. */
  argoAppTemplate: string;
  /** KUBIDU_TRUST_PROXY: fastify's trustProxy (false: the socket's address is the client; true: any proxy; list: these proxies). */
  trustProxy: boolean | string[];
  /** KUBIDU_WEBHOOK_ALLOW_PRIVATE: outgoing webhook URLs may name loopback/private hosts (default false). */
  webhookAllowPrivate: boolean;
}

/**
 * KUBIDU_TRUST_PROXY: whom to believe about the client's address (X-Forwarded-For),
 * which is what login and registration limits count per. Off by default: trusting
 * every proxy would let any client choose its own address.
 */
export function readTrustProxy(env: Env): boolean | string[] {
  const raw = (readString(env, 'KUBIDU_TRUST_PROXY') ?? '').trim();
  if (raw === '' || /^(false|off|no|0)$/i.test(raw)) return false;
  if (/^(true|on|yes)$/i.test(raw)) return true;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of list) {
    const [addr, bits, extra] = item.split('/');
    const family = isIP(addr);
    const bitsOk = bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !bitsOk || extra !== undefined) {
      throw new ConfigError(
        'KUBIDU_TRUST_PROXY',
        `KUBIDU_TRUST_PROXY must be false, true or comma-separated proxy addresses/CIDRs; "${item.slice(0, 60)}" is none of these`,
      );
    }
  }
  return list;
}

/** The API process's loader: every setting `npm start` reads, validated. */
export function loadConfig(env: Env = process.env): ApiConfig {
  const databaseUrl = readDatabaseUrl(env);
  const dataDir = readDataDir(env);
  const runController = readEnum(env, 'KUBIDU_CONTROLLER', ['inline', 'off'], 'inline') !== 'off';
  return {
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readInt(env, 'PORT', { default: 8080, min: 0, max: 65535 }),
    databaseUrl,
    dataDir,
    encryptionKey: readEncryptionKey(env),
    jwtSecret: readSecret(env, 'KUBIDU_JWT_SECRET'),
    jwtTtlSeconds: readDuration(env, 'KUBIDU_TOKEN_TTL_SECONDS', { unit: 's', default: 12 * 3600, min: 60, max: 90 * 24 * 3600 }) / 1000,
    corsOrigins: (readString(env, 'KUBIDU_CORS_ORIGINS') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    runController,
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    webhookSecret: readSecret(env, 'KUBIDU_WEBHOOK_SECRET'),
    manifestsBranch: readManifestsBranch(env),
    webLinks: webLinks(env, (message) => {
      throw new ConfigError(message.split(' ')[0], message);
    }),
    namespacePrefix: readNamespacePrefix(env),
    argoAppTemplate: readArgoAppTemplate(env),
    trustProxy: readTrustProxy(env),
    webhookAllowPrivate: readWebhookAllowPrivate(env),
  };
}
