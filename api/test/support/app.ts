/**
 * An API instance on a fresh real database for integration tests, plus small
 * helpers to register users and create projects/services through the HTTP API.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp, type BuildAppDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { RateLimits } from '../../src/plugins/rate-limits.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { createTestDatabase } from '../../../test-support/database.js';

export interface TestApp {
  app: FastifyInstance;
  ds: DataSource;
  url: string;
  secretBox: SecretBox;
  close(): Promise<void>;
}

/**
 * Budgets for tests that are not about budgets: suites that create hundreds of
 * projects or deploys from one user (fuzz, matrix) stay under them. Tests of the
 * limits pass their own `rateLimits`; the per-email login limit keeps its default.
 */
export const RELAXED_RATE_LIMITS: Partial<RateLimits> = {
  loginPerClient: { max: 100_000, timeWindowMs: 60_000 },
  register: { max: 100_000, timeWindowMs: 60_000 },
  deploys: { max: 100_000, timeWindowMs: 60_000 },
  projects: { max: 100_000, timeWindowMs: 60_000 },
  services: { max: 100_000, timeWindowMs: 60_000 },
};

/** Builds the app on a fresh migrated database. `overrides` replaces any dependency. */
export async function createTestApp(overrides: Partial<BuildAppDeps> = {}): Promise<TestApp> {
  const { url, ds } = await createTestDatabase();
  const secretBox = new SecretBox(randomBytes(32));
  const app = buildApp({
    ds,
    secretBox,
    jwtSecret: randomBytes(32),
    config: loadConfig({ KUBIDU_DATA_DIR: '/nonexistent-kubidu-test' }),
    logger: false,
    ...overrides,
    rateLimits: { ...RELAXED_RATE_LIMITS, ...overrides.rateLimits },
  });
  await app.ready();
  return {
    app,
    ds,
    url,
    secretBox,
    async close() {
      await app.close();
      await ds.destroy();
    },
  };
}

/** A registered user and its bearer header. */
export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { authorization: string };
}

let counter = 0;

/** Registers a fresh user through the API. */
export async function registerUser(app: FastifyInstance, email = `user${++counter}-${randomBytes(3).toString('hex')}@example.com`): Promise<TestUser> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'correct horse battery' } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { id: body.user.id, email: body.user.email, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
}

/** Creates a project and one service owned by `user`; returns their ids. */
export async function createService(app: FastifyInstance, user: TestUser, name = 'web'): Promise<{ projectId: string; serviceId: string }> {
  const p = await app.inject({
    method: 'POST',
    url: '/api/projects',
    headers: user.auth,
    payload: { name: `Project ${randomBytes(4).toString('hex')}` },
  });
  if (p.statusCode !== 201) throw new Error(`project failed: ${p.statusCode} ${p.body}`);
  const projectId = p.json().id;
  const s = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: user.auth, payload: { name } });
  if (s.statusCode !== 201) throw new Error(`service failed: ${s.statusCode} ${s.body}`);
  return { projectId, serviceId: s.json().id };
}

/** Queues a deploy through the API and returns the response. */
export function deploy(app: FastifyInstance, user: TestUser, serviceId: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/api/services/${serviceId}/deployments`, headers: { ...user.auth, ...headers }, payload: body });
}

/** Sets a deployment's status directly (the controller's job in production). */
export async function setStatus(ds: DataSource, id: string, status: string): Promise<void> {
  await ds.query(`UPDATE deployments SET status = $2 WHERE id = $1`, [id, status]);
}
