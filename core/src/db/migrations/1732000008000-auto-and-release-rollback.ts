import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20, items 1 and 2.
 *
 * - `services.auto_rollback`: the service's opt-in to automatic rollback.
 * - Source `AUTO`: a rollback Kubidu made itself. `deployments.auto_rollback_of` names the
 *   failed deploy it undoes; the UNIQUE index makes "at most one automatic rollback per
 *   failed deployment" a property of the schema, not of the controller's care.
 * - `releases`: a project rolled back as one commit. Its rows carry `release_id`; the
 *   release is claimed, leased and ended as one (QUEUED → DEPLOYING → RUNNING | FAILED).
 */
export class AutoAndReleaseRollback1732000008000 implements MigrationInterface {
  name = 'AutoAndReleaseRollback1732000008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services ADD COLUMN auto_rollback boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE deployments DROP CONSTRAINT IF EXISTS deployments_source_check`);
    await q.query(`ALTER TABLE deployments ADD CONSTRAINT deployments_source_check CHECK (source IN ('API','ROLLBACK','GIT','AUTO'))`);
    await q.query(`ALTER TABLE deployments ADD COLUMN auto_rollback_of uuid NULL REFERENCES deployments(id)`);
    await q.query(`CREATE UNIQUE INDEX deployments_auto_rollback_of_idx ON deployments (auto_rollback_of) WHERE auto_rollback_of IS NOT NULL`);
    await q.query(`
      CREATE TABLE releases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('QUEUED','DEPLOYING','RUNNING','FAILED')),
        at timestamptz NULL,
        to_release_id uuid NULL REFERENCES releases(id),
        reason text NULL,
        actor text NOT NULL,
        created_by_id uuid NULL,
        via text NULL,
        skipped jsonb NOT NULL DEFAULT '[]'::jsonb,
        status_message text NULL,
        manifests_commit_sha text NULL,
        lease_owner text NULL,
        lease_expires_at timestamptz NULL,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz NULL
      )`);
    await q.query(`CREATE INDEX releases_project_idx ON releases (project_id, created_at DESC)`);
    await q.query(`CREATE INDEX releases_open_idx ON releases (created_at) WHERE status IN ('QUEUED','DEPLOYING')`);
    await q.query(`ALTER TABLE deployments ADD COLUMN release_id uuid NULL REFERENCES releases(id)`);
    await q.query(`CREATE INDEX deployments_release_idx ON deployments (release_id) WHERE release_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deployments DROP COLUMN IF EXISTS release_id`);
    await q.query(`DROP TABLE IF EXISTS releases`);
    await q.query(`DROP INDEX IF EXISTS deployments_auto_rollback_of_idx`);
    await q.query(`ALTER TABLE deployments DROP COLUMN IF EXISTS auto_rollback_of`);
    await q.query(`DELETE FROM deployments WHERE source = 'AUTO'`);
    await q.query(`ALTER TABLE deployments DROP CONSTRAINT IF EXISTS deployments_source_check`);
    await q.query(`ALTER TABLE deployments ADD CONSTRAINT deployments_source_check CHECK (source IN ('API','ROLLBACK','GIT'))`);
    await q.query(`ALTER TABLE services DROP COLUMN IF EXISTS auto_rollback`);
  }
}
