/**
 * Section 5: the deployment history of one service with many rows (100,000 in
 * the full run) — the first page and a cursor page 90 % deep, over HTTP with
 * authentication.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createEmptyDatabase } from '../../test-support/postgres.js';
import { openDatabase } from '@kubidu/core/db/data-source';
import { encodeCursor } from '../../api/src/modules/deployments/cursor.js';
import type { BenchOptions } from './options.js';
import { stats, type Stats } from './series.js';
import { startApiAndController } from './stack.js';
import { now } from './util.js';

/** Section 5's figures. */
export interface PagesResult {
  rows: number;
  warmup: number;
  first: Stats;
  deep: Stats;
  deepOffset: number;
}

/** Section 5: inserts the rows with one generate_series, then times both pages. */
export async function benchPages(o: BenchOptions, log: (m: string) => void): Promise<PagesResult> {
  const dbUrl = await createEmptyDatabase(o.adminUrl!, 'kubidu_bench');
  const ds = await openDatabase({ url: dbUrl, poolMax: 10 });
  const dataDir = mkdtempSync(join(tmpdir(), 'kubidu-bench-pages-'));
  const api = await startApiAndController({ ds, dataDir, key: randomBytes(32).toString('base64'), controller: false });
  const apiUrl = api.apiUrl;
  try {
    const reg = await (await fetch(`${apiUrl}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'pages@example.com', password: 'correct horse battery' }) })).json();
    const auth = { authorization: `Bearer ${reg.token}` };
    const [{ id: projectId }] = await ds.query(`INSERT INTO projects(name, slug, owner_id) VALUES ('pages', 'pages', $1) RETURNING id`, [reg.user.id]);
    const [{ id: serviceId }] = await ds.query(`INSERT INTO services(project_id, name, port) VALUES ($1, 'web', 8080) RETURNING id`, [projectId]);
    const t0 = now();
    // One statement: n rows, oldest first; all SUCCESS except the newest, which is RUNNING (current).
    await ds.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, created_by_id, manifests_commit_sha, status_message, created_at, finished_at)
       SELECT $1, CASE WHEN g = $2 THEN 'RUNNING' ELSE 'SUCCESS' END, CASE WHEN g % 7 = 0 THEN 'ROLLBACK' ELSE 'API' END,
              'ghcr.io/acme/web:1.' || g || '.0', 8080, 2, 'pages@example.com', $3, md5(g::text) || substr(md5(g::text), 1, 8),
              'Committed to the manifests repo', now() - ($2 - g) * interval '1 minute', now() - ($2 - g) * interval '1 minute'
       FROM generate_series(1, $2::int) g`,
      [serviceId, o.historyRows, reg.user.id],
    );
    await ds.query(`ANALYZE deployments`);
    log(`  inserted ${o.historyRows} deployment rows in ${((now() - t0) / 1000).toFixed(1)} s`);
    const deepOffset = Math.floor(o.historyRows * 0.9);
    const [{ seq }] = await ds.query(`SELECT seq FROM deployments WHERE service_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1`, [serviceId, deepOffset]);
    const cursor = encodeCursor(seq);
    const timed = async (url: string) => {
      const out: number[] = [];
      for (let i = -o.pageWarmup; i < o.pageSamples; i++) {
        const t = now();
        const res = await fetch(apiUrl + url, { headers: auth });
        const body = await res.json();
        if (res.status !== 200 || body.items.length !== 20) throw new Error(`history page ${url}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        if (i >= 0) out.push(now() - t);
      }
      return stats(out);
    };
    const first = await timed(`/api/services/${serviceId}/deployments`);
    const deep = await timed(`/api/services/${serviceId}/deployments?cursor=${cursor}`);
    log(`  history pages: first p99 ${first.p99.toFixed(1)} ms, deep p99 ${deep.p99.toFixed(1)} ms`);
    return { rows: o.historyRows, warmup: o.pageWarmup, first, deep, deepOffset };
  } finally {
    await api.stop();
    await ds.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
