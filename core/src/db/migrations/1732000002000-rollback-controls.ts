import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollback controls (issue 10):
 * - `deploy_holds`: one row per service while a rollback is in force. New deploys of
 *   that service answer 409 `DEPLOY_HELD` until a person releases it (or a request
 *   overrides it explicitly), so the next CI push cannot silently undo a rollback;
 * - `deployments.bad_reason / marked_bad_at / marked_bad_by`: a deployment a person
 *   marked bad is no rollback target and its exact image cannot be deployed again
 *   until it is unmarked;
 * - `deployments.rollback_only`: what a rollback restored (`image` or `config`; null = all);
 * - `deployments.via`: which client made an API row (`api`, `cli`, `web`, from the
 *   `X-Kubidu-Client` header; null for rows the controller's git importer makes);
 * - `deployments.hold_overridden`: this deploy went through a hold on purpose.
 */
export class RollbackControls1732000002000 implements MigrationInterface {
  name = 'RollbackControls1732000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deploy_holds (
        service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
        rollback_id uuid NOT NULL REFERENCES deployments(id),
        held_by_id uuid,
        held_by text NOT NULL,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE deployments ADD COLUMN bad_reason text`);
    await q.query(`ALTER TABLE deployments ADD COLUMN marked_bad_at timestamptz`);
    await q.query(`ALTER TABLE deployments ADD COLUMN marked_bad_by text`);
    await q.query(
      `ALTER TABLE deployments ADD COLUMN rollback_only text CONSTRAINT deployments_rollback_only_check CHECK (rollback_only IN ('image', 'config'))`,
    );
    await q.query(`ALTER TABLE deployments ADD COLUMN via text CONSTRAINT deployments_via_check CHECK (via IN ('api', 'cli', 'web'))`);
    await q.query(`ALTER TABLE deployments ADD COLUMN hold_overridden boolean NOT NULL DEFAULT false`);
    // "Is this exact image marked bad in this service?" is asked on every deploy.
    await q.query(`CREATE INDEX deployments_bad_image_idx ON deployments(service_id, image_url) WHERE marked_bad_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deployments_bad_image_idx`);
    for (const c of ['hold_overridden', 'via', 'rollback_only', 'marked_bad_by', 'marked_bad_at', 'bad_reason']) {
      await q.query(`ALTER TABLE deployments DROP COLUMN IF EXISTS ${c}`);
    }
    await q.query(`DROP TABLE IF EXISTS deploy_holds`);
  }
}
