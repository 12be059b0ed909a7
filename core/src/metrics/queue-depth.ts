/** The number of QUEUED deployments, for the kubidu_queue_depth gauge (one COUNT at scrape time). */
import type { DataSource } from 'typeorm';

/** Counts the deployments waiting to be claimed. */
export async function queuedDeployments(ds: DataSource): Promise<number> {
  const rows = (await ds.query(`SELECT count(*)::int AS n FROM deployments WHERE status = 'QUEUED'`)) as Array<{ n: number }>;
  return rows[0]?.n ?? 0;
}
