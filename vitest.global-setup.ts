/**
 * Starts one throwaway Postgres for the whole run unless DATABASE_URL is given
 * (then that server is used as the admin connection, and each test file creates
 * its own database on it), and puts the project's .tools/bin (where
 * scripts/ensure-system-deps.sh installs a missing kubectl) at the end of the
 * PATH the test workers and the programs they start inherit.
 */
import type { TestProject } from 'vitest/node';
import { startPgServer, type PgServer } from './test-support/postgres.js';
import { pathWithTools } from './test-support/tools.js';

let server: PgServer | undefined;

export async function setup(project: TestProject) {
  process.env.PATH = pathWithTools();
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
