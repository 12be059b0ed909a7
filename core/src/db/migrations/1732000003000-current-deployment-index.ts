import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Which deployment is current?" (the service's newest RUNNING row) is asked on
 * every history page, diff and rollback. Without an index that starts with the
 * status, Postgres walks the whole service history backwards to find it: 20–35 ms
 * at 100,000 rows (BENCHMARKS.md, section 5). A partial index holds only RUNNING
 * rows — a handful per service — so the lookup is one index probe at any depth.
 */
export class CurrentDeploymentIndex1732000003000 implements MigrationInterface {
  name = 'CurrentDeploymentIndex1732000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX deployments_running_idx ON deployments (service_id, seq DESC) WHERE status = 'RUNNING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deployments_running_idx`);
  }
}
