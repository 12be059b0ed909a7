import { describe, expect, it, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../../test-support/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { openDatabase } from '../../src/db/data-source.js';
import type { DataSource } from 'typeorm';

async function seedAudit(ds: DataSource) {
  await ds.query(`INSERT INTO audit_logs(actor, action) VALUES ('t@example.com', 'TEST')`);
}

describe('schema on a real Postgres', () => {
  let ds: DataSource;
  afterAll(async () => ds?.destroy());

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows', async () => {
    ({ ds } = await createTestDatabase());
    await seedAudit(ds);
    await expect(ds.query(`UPDATE audit_logs SET action = 'X'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_logs`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`TRUNCATE audit_logs`)).rejects.toThrow(/append-only/);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_logs`);
    expect(n).toBe(1);
  });
});

describe('embedded PGlite over the wire protocol', () => {
  it('migrates, persists across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-embedded-'));
    try {
      let pgl = await startEmbeddedPostgres(dir);
      let ds = await openDatabase({ url: pgl.url, poolMax: 1 });
      await seedAudit(ds);
      await ds.destroy();
      await pgl.stop();
      pgl = await startEmbeddedPostgres(dir);
      ds = await openDatabase({ url: pgl.url, poolMax: 1 });
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_logs`);
      expect(n).toBe(1);
      await expect(ds.query(`DELETE FROM audit_logs`)).rejects.toThrow(/append-only/);
      await ds.destroy();
      await pgl.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
