/**
 * Row-level helpers for controller tests that work straight against Postgres:
 * wait for a deployment to reach a status, and queue a rollback the way the API
 * does (same image, the target's env rows copied as stored).
 */
import type { DataSource } from 'typeorm';

/** Polls the row until its status is one of `statuses`; throws with the row's message after `timeoutMs`. */
export async function waitForStatus(ds: DataSource, id: string, statuses: string[], timeoutMs = 20_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await ds.query(`SELECT * FROM deployments WHERE id = $1`, [id]);
    if (statuses.includes(row.status)) return row;
    if (Date.now() > until) throw new Error(`deployment ${id} stuck in ${row.status}: ${row.status_message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
