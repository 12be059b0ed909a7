import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema. Audit rows are append-only at the database level (triggers
 * refuse UPDATE, DELETE and TRUNCATE), and a new QUEUED deployment wakes the
 * controllers through NOTIFY on the `kubidu_deployments` channel.
 */
export class Initial1732000000000 implements MigrationInterface {
  name = 'Initial1732000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        expires_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        slug text NOT NULL UNIQUE,
        owner_id uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX projects_owner_idx ON projects(owner_id)`);
    await q.query(`
      CREATE TABLE services (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id),
        name text NOT NULL,
        port int NOT NULL DEFAULT 8080,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (project_id, name)
      )`);
    await q.query(`
      CREATE TABLE deployments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        service_id uuid NOT NULL REFERENCES services(id),
        status text NOT NULL CHECK (status IN ('QUEUED','DEPLOYING','RUNNING','SUCCESS','FAILED','CANCELLED')),
        source text NOT NULL CHECK (source IN ('API','ROLLBACK','GIT')),
        image_url text NOT NULL,
        commit_sha text,
        commit_message text,
        port int NOT NULL,
        replicas int NOT NULL DEFAULT 1,
        cpu_limit text,
        memory_limit text,
        rollback_from_id uuid REFERENCES deployments(id),
        created_by_id uuid REFERENCES users(id),
        actor text NOT NULL,
        manifests_commit_sha text,
        status_message text,
        reason text,
        idempotency_key text,
        lease_owner text,
        lease_expires_at timestamptz,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX deployments_history_idx ON deployments(service_id, seq DESC)`);
    await q.query(`CREATE INDEX deployments_queue_idx ON deployments(seq) WHERE status IN ('QUEUED','DEPLOYING')`);
    await q.query(`CREATE INDEX deployments_manifests_commit_idx ON deployments(manifests_commit_sha) WHERE manifests_commit_sha IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX deployments_idempotency_idx ON deployments(created_by_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`
      CREATE TABLE environment_variables (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        deployment_id uuid NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        key text NOT NULL,
        value_encrypted text NOT NULL,
        value_iv text NOT NULL,
        is_secret boolean NOT NULL DEFAULT false,
        UNIQUE (deployment_id, key)
      )`);
    await q.query(`
      CREATE TABLE audit_logs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        actor text NOT NULL,
        action text NOT NULL,
        project_id uuid,
        service_id uuid,
        deployment_id uuid,
        data jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_logs_project_idx ON audit_logs(project_id, seq DESC)`);
    await q.query(`CREATE INDEX audit_logs_service_idx ON audit_logs(service_id, seq DESC)`);
    await q.query(`
      CREATE FUNCTION kubidu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_logs_no_update BEFORE UPDATE OR DELETE ON audit_logs
      FOR EACH ROW EXECUTE FUNCTION kubidu_audit_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
      FOR EACH STATEMENT EXECUTE FUNCTION kubidu_audit_append_only()`);
    await q.query(`
      CREATE FUNCTION kubidu_notify_deployment() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'QUEUED' THEN
          PERFORM pg_notify('kubidu_deployments', NEW.id::text);
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER deployments_notify AFTER INSERT ON deployments
      FOR EACH ROW EXECUTE FUNCTION kubidu_notify_deployment()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit_logs', 'environment_variables', 'deployments', 'services', 'projects', 'api_tokens', 'users']) {
      await q.query(`DROP TABLE IF EXISTS ${t} CASCADE`);
    }
    await q.query(`DROP FUNCTION IF EXISTS kubidu_audit_append_only()`);
    await q.query(`DROP FUNCTION IF EXISTS kubidu_notify_deployment()`);
  }
}
