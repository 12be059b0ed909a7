/**
 * Row-level helpers for controller tests that work straight against Postgres:
 * wait for a deployment to reach a status, and queue a rollback the way the API
 * does (same image, the target's env rows copied as stored).
 */
import type { DataSource } from 'typeorm';
import { waitFor } from '../../../test-support/wait.js';

/** Polls the row until its status is one of `statuses`; the timeout error shows the row as last read. */
export async function waitForStatus(ds: DataSource, id: string, statuses: string[], timeoutMs = 20_000): Promise<Record<string, any>> {
  return waitFor(`deployment ${id} ${statuses.join(' or ')}`, async () => (await ds.query(`SELECT * FROM deployments WHERE id = $1`, [id]))[0], {
    until: (row) => statuses.includes(row.status),
    timeoutMs,
    intervalMs: 50,
  });
}

/** A QUEUED ROLLBACK row to `targetId` with its image and env rows copied as stored, in one transaction. */
export async function queueRollbackRow(ds: DataSource, targetId: string, opts: { actor?: string; reason?: string } = {}): Promise<string> {
  return ds.transaction(async (m) => {
    const [{ id }] = await m.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, rollback_from_id, reason)
       SELECT service_id, 'QUEUED', 'ROLLBACK', image_url, port, replicas, $2, id, $3 FROM deployments WHERE id = $1 RETURNING id`,
      [targetId, opts.actor ?? 'dev@example.com', opts.reason ?? null],
    );
    await m.query(
      `INSERT INTO environment_variables(deployment_id, key, value_encrypted, value_iv, is_secret)
       SELECT $1, key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $2`,
      [id, targetId],
    );
    return id as string;
  });
}
