import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The git door (issue 5): commits made outside Kubidu in the manifests repo are
 * imported as deployment rows. This adds what the importer needs to be
 * idempotent and to tell the truth about what it imported:
 * - one GIT row per (service, commit) at most, enforced by a unique partial index
 *   (the same commit seen by webhook and poll makes one row);
 * - `reverts_deployment_id`: the deployment whose commit a `git revert` undid
 *   (`rollback_from_id` holds the deployment whose state it restores);
 * - `warning`: what the importer could not carry over (unknown secret reference,
 *   unreadable commit); unlike `status_message` the controller never overwrites it;
 * - `manifests_import_state`: per branch, the last commit fully handled.
 */
export class GitDoor1732000001000 implements MigrationInterface {
  name = 'GitDoor1732000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deployments ADD COLUMN reverts_deployment_id uuid REFERENCES deployments(id)`);
    await q.query(`ALTER TABLE deployments ADD COLUMN warning text`);
    await q.query(
      `CREATE UNIQUE INDEX deployments_git_commit_idx ON deployments(service_id, manifests_commit_sha) WHERE source = 'GIT'`,
    );
    await q.query(`
      CREATE TABLE manifests_import_state (
        branch text PRIMARY KEY,
        last_sha text,
        failing_sha text,
        failures int NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS manifests_import_state`);
    await q.query(`DROP INDEX IF EXISTS deployments_git_commit_idx`);
    await q.query(`ALTER TABLE deployments DROP COLUMN IF EXISTS warning`);
    await q.query(`ALTER TABLE deployments DROP COLUMN IF EXISTS reverts_deployment_id`);
  }
}
