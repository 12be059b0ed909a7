import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test-support/database.js';
import { createDeploymentStore } from '../../src/store/deployment-store.js';
import { LeaseLostError } from '../../src/errors.js';
import { seedDeployment, seedService } from '../support/seed.js';

let ds: DataSource;
beforeAll(async () => {
  ({ ds } = await createTestDatabase());
});
afterAll(async () => ds?.destroy());

async function statusOf(id: string) {
  const [r] = await ds.query(`SELECT status, status_message, lease_owner FROM deployments WHERE id = $1`, [id]);
  return r;
}

describe('deployment store on real Postgres', () => {
  it('claims the newest queued row per service and cancels the superseded ones, with audit rows', async () => {
    const s = await seedService(ds);
    const older = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:1' });
    const newer = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:2' });
    const store = createDeploymentStore(ds);
    const claimed = await store.claim('w1', 30_000, 10);
    expect(claimed).toContainEqual({ id: newer, resumed: false });
    expect(claimed.map((c) => c.id)).not.toContain(older);
    expect((await statusOf(older)).status).toBe('CANCELLED');
    expect((await statusOf(older)).status_message).toMatch(/Superseded by/);
    expect((await statusOf(newer)).status).toBe('DEPLOYING');
    const audits = await ds.query(`SELECT action FROM audit_logs WHERE deployment_id = $1`, [older]);
    expect(audits.map((a: { action: string }) => a.action)).toEqual(['DEPLOYMENT_CANCELLED']);
    // The service is busy under w1's lease: a second worker gets nothing for it.
    const third = await seedDeployment(ds, s.serviceId, { image: 'ghcr.io/acme/web:3' });
    expect((await store.claim('w2', 30_000, 10)).map((c) => c.id)).not.toContain(third);
  });

  it('hands every queued row to exactly one of many concurrent workers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const s = await seedService(ds);
      ids.push(await seedDeployment(ds, s.serviceId));
    }
    const store = createDeploymentStore(ds);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, w) =>
        (async () => {
          const got: string[] = [];
          // Workers keep polling (as the real loop does) until nothing of ours is queued.
          for (let round = 0; round < 200; round++) {
            got.push(...(await store.claim(`w${w}`, 30_000, 4)).map((c) => c.id));
            const [{ n }] = await ds.query(
              `SELECT count(*)::int AS n FROM deployments WHERE id = ANY($1::uuid[]) AND status = 'QUEUED'`,
              [ids],
            );
            if (n === 0) break;
          }
          return got;
        })(),
      ),
    );
    const all = results.flat().filter((id) => ids.includes(id));
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(ids));
  });

  it('fences a worker that lost its lease and resumes an abandoned row', async () => {
    const s = await seedService(ds);
    const id = await seedDeployment(ds, s.serviceId);
    const store = createDeploymentStore(ds);
    const first = await store.claim('dead-worker', 30_000, 50);
    expect(first.map((c) => c.id)).toContain(id);
    // Simulate the worker dying: its lease runs out.
    await ds.query(`UPDATE deployments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const second = await store.claim('new-worker', 30_000, 50);
    expect(second).toContainEqual({ id, resumed: true });
    await expect(store.finish(id, 'dead-worker', 'RUNNING', 'late', {})).rejects.toBeInstanceOf(LeaseLostError);
    await store.recordCommit(id, 'new-worker', 'a'.repeat(40), 'Committed', {});
    await store.finish(id, 'new-worker', 'RUNNING', 'ok', {});
    expect((await statusOf(id)).status).toBe('RUNNING');
  });

  it('marks the replaced RUNNING deployment SUCCESS in the same transaction', async () => {
    const s = await seedService(ds);
    const old = await seedDeployment(ds, s.serviceId, { status: 'RUNNING' });
    const id = await seedDeployment(ds, s.serviceId);
    const store = createDeploymentStore(ds);
    await store.claim('w', 30_000, 50);
    await store.finish(id, 'w', 'RUNNING', 'ok', {});
    expect((await statusOf(old)).status).toBe('SUCCESS');
    expect((await statusOf(id)).status).toBe('RUNNING');
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM audit_logs WHERE deployment_id = $1 AND action = 'DEPLOYMENT_RUNNING'`,
      [id],
    );
    expect(n).toBe(1);
  });
});
