/**
 * The live Kubidu stack for end-to-end tests (CLI, web, controller): a fresh
 * database on the throwaway Postgres, a real git smart-HTTP remote holding the
 * manifests repo, the API listening on a free loopback port, and the controller
 * running in-process against both. Usable inside vitest only (needs `inject`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from './database.js';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';
import type { Logger } from '@kubidu/core/logger';
import type { ControllerHandle, ControllerOptions } from '@kubidu/controller/start';
import type { SecretsWriter, SyncRunner } from '@kubidu/controller/reconcile/deploy-one';
import { composeKubidu } from '@kubidu/platform/compose';
import type { KubiduMetrics } from '@kubidu/core/metrics/metrics';

export interface TestStack {
  apiUrl: string;
  ds: DataSource;
  dataDir: string;
  /** http URL of the manifests repo (clone it with the real git CLI). */
  manifestsUrl: string;
  git: GitHttpServer;
  controller: ControllerHandle | null;
  secretBox: SecretBox;
  /** The composed process's Prometheus registry (serve it with core's startMetricsServer). */
  metrics: KubiduMetrics;
  /** Registers a user through the API; returns its token. */
  register(email?: string, password?: string): Promise<{ email: string; password: string; token: string }>;
  /** Authenticated JSON request against the API. */
  request<T = unknown>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Run the controller in-process (default true). */
  controller?: boolean;
  /** Serve this built web app (web/dist) from the API. */
  webDistDir?: string;
  /** Extra environment for the controller (ARGOCD_URL...). */
  env?: Record<string, string>;
  sync?: SyncRunner | null;
  secrets?: SecretsWriter | null;
  /** Print controller and API logs (debugging). */
  verbose?: boolean;
}

function quietLogger(verbose: boolean): Logger {
  const out = (level: string) => (obj: unknown, msg?: string) => {
    if (verbose || level === 'error') console.log(`[controller ${level}]`, msg ?? '', JSON.stringify(obj));
  };
  return { info: out('info'), warn: out('warn'), error: out('error'), debug: () => undefined };
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const { ds } = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'kubidu-stack-'));
  const key = randomBytes(32).toString('base64');
  const jwtSecret = randomBytes(32).toString('base64');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBIDU_DATA_DIR: dataDir,
    KUBIDU_ENCRYPTION_KEY: key,
    KUBIDU_JWT_SECRET: jwtSecret,
    KUBIDU_POLL_MS: '200',
    KUBIDU_RETRY_BASE_MS: '100',
    KUBIDU_RETRY_MAX_MS: '1000',
    KUBIDU_KUBERNETES: 'off',
    ...opts.env,
  };
  delete env.DATABASE_URL;
  const git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  const manifestsUrl = git.url('manifests');
  env.MANIFESTS_REPO_URL ??= manifestsUrl;
  if (opts.controller === false) env.KUBIDU_CONTROLLER = 'off';
  const overrides: NonNullable<ControllerOptions['overrides']> = {};
  if ('sync' in opts) overrides.sync = opts.sync;
  if ('secrets' in opts) overrides.secrets = opts.secrets;
  // The same composition `npm start` runs, on the test's database and data dir.
  const kubidu = await composeKubidu(env, {
    ds,
    config: { host: '127.0.0.1', port: 0, dataDir },
    apiLogger: opts.verbose ? true : false,
    controllerLogger: quietLogger(!!opts.verbose),
    controllerOverrides: overrides,
    webDistDir: opts.webDistDir ? resolve(opts.webDistDir) : '',
  });
  const { app, controller, secretBox } = kubidu;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  const apiUrl = `http://127.0.0.1:${addr.port}`;

  async function request<T>(method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(apiUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  return {
    apiUrl,
    ds,
    dataDir,
    manifestsUrl,
    git,
    controller,
    secretBox,
    metrics: kubidu.metrics,
    request,
    async register(email = `dev-${randomBytes(4).toString('hex')}@example.com`, password = 'correct horse battery') {
      const r = await request<{ token: string }>('POST', '/api/auth/register', '', { email, password });
      if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { email, password, token: r.body.token };
    },
    async stop() {
      await app.close();
      await kubidu.stop();
      await ds.destroy();
      await git.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
