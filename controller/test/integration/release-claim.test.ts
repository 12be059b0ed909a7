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
import { createReleaseRollback } from '@kubidu/core/domain/releases';
import { auditWriter } from '@kubidu/core/domain/audit';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { seedService } from '../support/seed.js';

let ds: DataSource;
const box = new SecretBox(randomBytes(32));

/** A service with 1.0.0 live two hours ago and 2.0.0 live now. */
async function serviceWithHistory(projectId: string, name: string): Promise<string> {
  const [{ id }] = await ds.query(`INSERT INTO services(project_id, name, port) VALUES ($1, $2, 8080) RETURNING id`, [projectId, name]);
  for (const [status, tag, ago] of [['SUCCESS', '1.0.0', '2 hours'], ['RUNNING', '2.0.0', '1 hour']]) {
    await ds.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, finished_at) VALUES ($1, $2, 'API', $3, 8080, 1, 'seed@example.com', now() - $4::interval)`,
      [id, status, `ghcr.io/acme/${name}:${tag}`, ago],
    );
  }
  return id;
}

async function release(projectId: string, services?: string[]): Promise<string> {
  const r = await ds.transaction((em) =>
    createReleaseRollback(em, { audit: auditWriter, secretBox: box }, { projectId, services, at: new Date(Date.now() - 90 * 60_000), actor: { id: null, name: 'oncall@example.com' }, via: null }),
  );
  return r.releaseId;
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
});
afterAll(async () => ds?.destroy());

describe('claiming release rollbacks', () => {
  it('skips a release waiting for a busy service to claim another project’s, never a later one of the same project', async () => {
    const p1 = (await seedService(ds, { project: 'one', service: 'x' })).projectId;
    await ds.query(`DELETE FROM services WHERE project_id = $1`, [p1]);
    const x = await serviceWithHistory(p1, 'x');
    await serviceWithHistory(p1, 'y');
    const r1 = await release(p1);
    // x is busy: a single deploy holds it under a valid lease.
    const [{ id: busy }] = await ds.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, lease_owner, lease_expires_at, started_at)
       VALUES ($1, 'DEPLOYING', 'API', 'ghcr.io/acme/x:3.0.0', 8080, 1, 'dev@example.com', 'someone-else', now() + interval '1 hour', now()) RETURNING id`,
      [x],
    );
    // A later release of the same project, on a service the first does not touch.
    await serviceWithHistory(p1, 'w');
    const r3 = await release(p1, ['w']);
    // And another project's, later still.
    const p2 = (await seedService(ds, { project: 'two', service: 'tmp' })).projectId;
    await ds.query(`DELETE FROM services WHERE project_id = $1`, [p2]);
    await serviceWithHistory(p2, 'z');
    const r2 = await release(p2);

    const store = createReleaseStore(ds);
    expect((await store.claimRelease('w1', 60_000))?.id).toBe(r2);
    expect(await store.claimRelease('w1', 60_000)).toBeNull(); // r1 waits for x; r3 waits behind r1

    await ds.query(`UPDATE deployments SET status = 'RUNNING', finished_at = now(), lease_owner = NULL WHERE id = $1`, [busy]);
    expect((await store.claimRelease('w1', 60_000))?.id).toBe(r1);
    expect((await store.claimRelease('w1', 60_000))?.id).toBe(r3);
  });
});
