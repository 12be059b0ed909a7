/**
 * Smoke test of the benchmark machinery (`npm run bench`): every section runs
 * once on a tiny repo (20 services, 200 commits) against the real parts, and the
 * table has every row. Timings are never asserted here; only what must hold at
 * any speed (nothing lost, nothing handled twice, no force push).
 */
import { inject, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from '../bench.js';

describe('npm run bench (quick mode)', () => {
  it('measures every section on a tiny repo and prints one table with every row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-bench-test-'));
    const before = process.env.KUBIDU_BENCH_DIR;
    process.env.KUBIDU_BENCH_DIR = dir;
    try {
      const r = await runBench({
        sizes: [20],
        samples: 2,
        history: 200,
        burst: 5,
        historyRows: 500,
        rssRollbacks: 5,
        pageSamples: 5,
        adminUrl: inject('pgAdminUrl'),
        verbose: false,
      });
      const lines = r.table.split('\n').filter((l) => l.startsWith('| '));
      const labels = [
        'claim → commit pushed',
        'claim → pushed vs native `git push`',
        'API call → sync requested',
        'Kubidu commitAndPush alone',
        'native `git push` of a prepared one-file commit',
        'native porcelain',
        'isomorphic-git porcelain',
        'rollbacks on 5 services fired at once',
        'with two controller processes',
        'GET /api/services/:id/deployments, first page',
        'cursor page',
        'controller RSS',
        'release rollback of',
        'native `git push` of the same change',
        'single rollbacks on',
        'auto-rollback: Argo CD reports Degraded',
      ];
      for (const label of labels) expect(lines.some((l) => l.includes(label)), label).toBe(true);
      // Header + one row per label (one size).
      expect(lines).toHaveLength(labels.length + 1);
      for (const l of lines.slice(1)) {
        const cells = l.split(' | ');
        expect(cells).toHaveLength(10);
        expect(['PASS |', 'FAIL |', '- |']).toContain(cells[9]);
      }
      // What must hold at any speed.
      expect(r.pipeline[0].failed).toBe(0);
      expect(r.burst).toMatchObject({ count: 5, lost: 0, forcePushes: 0, duplicates: 0 });
      expect(r.two).toMatchObject({ count: 5, exactlyOnce: 5, lost: 0, forcePushes: 0, duplicates: 0 });
      expect(r.issue20?.release.commitsPerRelease.every((c: number) => c === 1)).toBe(true);
      expect(r.issue20?.burst).toMatchObject({ lost: 0, forcePushes: 0 });
      expect(r.markdown).toContain(r.table);
      expect(r.markdown).toMatch(/node v\d+/);
    } finally {
      if (before === undefined) delete process.env.KUBIDU_BENCH_DIR;
      else process.env.KUBIDU_BENCH_DIR = before;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000); // every section on real parts: minutes on a busy 2-core machine, and nothing here is timed
});
