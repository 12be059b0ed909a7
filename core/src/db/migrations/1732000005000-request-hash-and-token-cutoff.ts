import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: an Idempotency-Key is bound to the request it first came with
 * (`deployments.request_hash`, a keyed hash: a replay with another body is a 409,
 * not a silent "replayed"), and a user can end every login token issued before a
 * moment (`users.tokens_valid_after`, set by sign-out). Both are NULL on old rows:
 * an old key keeps replaying as before, an old account has no cut-off.
 */
export class RequestHashAndTokenCutoff1732000005000 implements MigrationInterface {
  name = 'RequestHashAndTokenCutoff1732000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deployments ADD COLUMN request_hash text NULL`);
    await q.query(`ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN IF EXISTS tokens_valid_after`);
    await q.query(`ALTER TABLE deployments DROP COLUMN IF EXISTS request_hash`);
  }
}
