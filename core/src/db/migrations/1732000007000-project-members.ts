import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17: projects have members with roles (owner, deployer, oncall, viewer),
 * and an API token may be scoped to `rollback`. Every existing project's owner
 * becomes its owner member, so existing rows and projects keep working; old tokens
 * have no scope (they act with their user's roles). `projects.owner_id` stays: it
 * records who created the project, and an insert trigger makes that user the new
 * project's owner member, whatever door inserts the project (the API, the bench
 * seeds, a test's SQL), so "the creator is owner" holds without each door
 * remembering it.
 */
export class ProjectMembers1732000007000 implements MigrationInterface {
  name = 'ProjectMembers1732000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE project_members (
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'deployer', 'oncall', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, user_id)
      )`);
    await q.query(`CREATE INDEX project_members_user_idx ON project_members(user_id)`);
    await q.query(`INSERT INTO project_members(project_id, user_id, role, created_at) SELECT id, owner_id, 'owner', created_at FROM projects`);
    await q.query(`
      CREATE FUNCTION kubidu_project_creator_is_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO project_members(project_id, user_id, role, created_at) VALUES (NEW.id, NEW.owner_id, 'owner', NEW.created_at);
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER projects_creator_is_owner AFTER INSERT ON projects
      FOR EACH ROW EXECUTE FUNCTION kubidu_project_creator_is_owner()`);
    await q.query(`ALTER TABLE api_tokens ADD COLUMN scope text NULL CHECK (scope IN ('rollback'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN IF EXISTS scope`);
    await q.query(`DROP TRIGGER IF EXISTS projects_creator_is_owner ON projects`);
    await q.query(`DROP FUNCTION IF EXISTS kubidu_project_creator_is_owner()`);
    await q.query(`DROP TABLE IF EXISTS project_members`);
  }
}
