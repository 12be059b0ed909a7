/**
 * Starts one throwaway Postgres for the whole run unless DATABASE_URL is given
 * (then that server is used as the admin connection, and each test file creates
 * its own database on it).
 */
import type { TestProject } from 'vitest/node';
import { startPgServer, type PgServer } from './test-support/postgres.js';

let server: PgServer | undefined;

export async function setup(project: TestProject) {
  let url = process.env.DATABASE_URL;
  if (!url) {
    server = await startPgServer();
    url = server.adminUrl;
  }
  project.provide('pgAdminUrl', url);
}

export async function teardown() {
  await server?.stop();
}
