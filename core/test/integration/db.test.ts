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

describe('the connection pool in a burst', () => {
  it('lets a request wait its turn for a busy pool longer than the 5 s connect timeout (a burst is not an outage)', async () => {
    const { url, ds: setup } = await createTestDatabase();
    await setup.destroy();
    const ds = await openDatabase({ url, poolMax: 2 });
    try {
      // Two connections, both busy for 5.5 s: the third query waits for one of them.
      const t0 = Date.now();
      const results = await Promise.all([0, 1, 2].map(() => ds.query(`SELECT pg_sleep(5.5), 1 AS ok`)));
      expect(results.map((r) => r[0].ok)).toEqual([1, 1, 1]);
      expect(Date.now() - t0).toBeGreaterThan(10_000);
    } finally {
      await ds.destroy();
    }
  }, 30_000);
});
