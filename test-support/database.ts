/**
 * Per-test-file database on the shared throwaway server (or on DATABASE_URL's
 * server when given). Migrated, ready for the API or the controller.
 */
import { inject } from 'vitest';
import type { DataSource } from 'typeorm';
import { createEmptyDatabase } from './postgres.js';
import { openDatabase } from '@kubidu/core/db/data-source';

export function adminUrl(): string {
  const url = inject('pgAdminUrl');
  if (!url) throw new Error('no test Postgres: the vitest global setup did not provide pgAdminUrl');
  return url;
}

/** A fresh, migrated database. Returns its URL and an open DataSource. */
export async function createTestDatabase(): Promise<{ url: string; ds: DataSource }> {
  const url = await createEmptyDatabase(adminUrl());
  const ds = await openDatabase({ url, poolMax: 10 });
  return { url, ds };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
