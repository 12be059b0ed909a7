/**
 * The one user action every section repeats — roll a service back through the
 * API — and waiting for the rows it creates, read from the database.
 */
import type { DataSource } from 'typeorm';
import type { Stack } from './setup.js';
import { sleep } from './util.js';

/** Rolls service `i` back to its target; returns the new deployment's id. */
export async function rollback(s: Stack, i: number): Promise<string> {
  const target = s.targets[i];
  const r = await s.post(`/api/deployments/${target}/rollback`, { reason: 'bench' });
  if (r.status !== 202) throw new Error(`rollback failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

/** After a rollback of service i reached RUNNING, the row it replaced (now SUCCESS) is the next target. */
export async function advanceTarget(s: Stack, i: number, newId: string) {
  const [row] = await s.ds.query(
    `SELECT id FROM deployments WHERE service_id = (SELECT service_id FROM deployments WHERE id = $1) AND status = 'SUCCESS' AND id <> $2 ORDER BY seq DESC LIMIT 1`,
    [newId, s.targets[i]],
  );
  if (row) s.targets[i] = row.id;
}

/** Polls the rows until `done` holds for all of them (or throws after timeoutMs with a few stuck rows). */
export async function waitRows(ds: DataSource, ids: string[], done: (r: any) => boolean, timeoutMs: number): Promise<any[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await ds.query(
      `SELECT id, status, status_message, manifests_commit_sha, attempts, extract(epoch from started_at) * 1000 AS started_ms FROM deployments WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    if (rows.length === ids.length && rows.every(done)) return rows;
    if (Date.now() > until) {
      const stuck = rows.filter((r: any) => !done(r)).slice(0, 3);
      throw new Error(`timed out waiting for ${ids.length} deployments; e.g. ${JSON.stringify(stuck)}`);
    }
    await sleep(10);
  }
}

/** A row the controller is done with for now (RUNNING = committed, and synced when there is a sync engine). */
export const ended = (r: any) => ['RUNNING', 'FAILED', 'SUCCESS', 'CANCELLED'].includes(r.status);

/** A row whose commit is on the remote (or that will never have one). */
export const pushed = (r: any) => !!r.manifests_commit_sha || ['FAILED', 'CANCELLED'].includes(r.status);
