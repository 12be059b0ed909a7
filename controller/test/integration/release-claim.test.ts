/**
 * Claiming release rollbacks (issue 20, item 2): the oldest ready release first, but one that
 * waits for a busy service does not hold up another project's; a later release of the same
 * project never overtakes it. Real Postgres, the controller's release store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { createReleaseStore } from '../../src/store/release-store.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { seedService, seedServiceHistory, seedRelease } from '../support/seed.js';

let ds: DataSource;
const box = new SecretBox(randomBytes(32));

async function release(projectId: string, services?: string[]): Promise<string> {
  return (await seedRelease(ds, box, { project: '', names: [], projectId, services })).releaseId;
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
});
afterAll(async () => ds?.destroy());

describe('claiming release rollbacks', () => {
  it('skips a release waiting for a busy service to claim another project’s, never a later one of the same project', async () => {
    const p1 = (await seedService(ds, { project: 'one', service: 'x' })).projectId;
    await ds.query(`DELETE FROM services WHERE project_id = $1`, [p1]);
    const x = await seedServiceHistory(ds, p1, 'x');
    await seedServiceHistory(ds, p1, 'y');
    const r1 = await release(p1);
    // x is busy: a single deploy holds it under a valid lease.
    const [{ id: busy }] = await ds.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, lease_owner, lease_expires_at, started_at)
       VALUES ($1, 'DEPLOYING', 'API', 'ghcr.io/acme/x:3.0.0', 8080, 1, 'dev@example.com', 'someone-else', now() + interval '1 hour', now()) RETURNING id`,
      [x],
    );
    // A later release of the same project, on a service the first does not touch.
    await seedServiceHistory(ds, p1, 'w');
    const r3 = await release(p1, ['w']);
    // And another project's, later still.
    const p2 = (await seedService(ds, { project: 'two', service: 'tmp' })).projectId;
    await ds.query(`DELETE FROM services WHERE project_id = $1`, [p2]);
    await seedServiceHistory(ds, p2, 'z');
    const r2 = await release(p2);

    const store = createReleaseStore(ds);
    expect((await store.claimRelease('w1', 60_000))?.id).toBe(r2);
    expect(await store.claimRelease('w1', 60_000)).toBeNull(); // r1 waits for x; r3 waits behind r1

    await ds.query(`UPDATE deployments SET status = 'RUNNING', finished_at = now(), lease_owner = NULL WHERE id = $1`, [busy]);
    expect((await store.claimRelease('w1', 60_000))?.id).toBe(r1);
    expect((await store.claimRelease('w1', 60_000))?.id).toBe(r3);
  });
});
