/**
 * A deployment's environment rows. Values are sealed with SecretBox at rest,
 * plain and secret alike; secret values are never decrypted into Git, logs or
 * API answers (only into the Kubernetes Secret the controller creates).
 */
import type { EntityManager } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';

/** An environment row as stored (still sealed). */
export interface SealedEnvRow {
  key: string;
  valueEncrypted: string;
  valueIv: string;
  isSecret: boolean;
}

/** Plain and secret variables to seal and store for a new deployment. */
export interface EnvInput {
  env?: Record<string, string>;
  secrets?: Record<string, string>;
}

/** Inserts already-sealed rows (a rollback's copy, the git door's matched secrets) for `deploymentId`. */
export async function insertSealedEnv(em: EntityManager, deploymentId: string, rows: readonly SealedEnvRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [deploymentId];
  const values = rows.map((r) => {
    params.push(r.key, r.valueEncrypted, r.valueIv, r.isSecret);
    const n = params.length;
    return `($1, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
  });
  await em.query(
    `INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret) VALUES ${values.join(', ')}`,
    params,
  );
}

/** Seals plain values and secrets into rows (a key given in both is the caller's error to refuse first). */
export function sealEnv(secretBox: SecretBox, input: EnvInput): SealedEnvRow[] {
  const rows: SealedEnvRow[] = [];
  for (const [key, value] of Object.entries(input.env ?? {})) rows.push({ key, ...secretBox.seal(value), isSecret: false });
  for (const [key, value] of Object.entries(input.secrets ?? {})) rows.push({ key, ...secretBox.seal(value), isSecret: true });
  return rows;
}

/** Copies another deployment's rows as stored (secrets stay sealed, no decrypt). */
export async function copyEnv(em: EntityManager, toId: string, fromId: string): Promise<void> {
  await em.query(
    `INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret)
     SELECT $1, key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $2`,
    [toId, fromId],
  );
}

/** The rows of several deployments, by key, as stored. */
export async function envOfDeployments(em: EntityManager, ids: readonly string[]): Promise<Map<string, SealedEnvRow[]>> {
  const out = new Map<string, SealedEnvRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows: Array<SealedEnvRow & { deploymentId: string }> = await em.query(
    `SELECT deployment_id AS "deploymentId", key, value_encrypted AS "valueEncrypted", value_iv AS "valueIv", is_secret AS "isSecret"
       FROM environment_variables WHERE deployment_id = ANY($1::uuid[]) ORDER BY key`,
    [ids],
  );
  for (const { deploymentId, ...r } of rows) out.get(deploymentId)!.push(r);
  return out;
}

/** One deployment's rows, by key, as stored. */
export async function envOfDeployment(em: EntityManager, id: string): Promise<SealedEnvRow[]> {
  return (await envOfDeployments(em, [id])).get(id)!;
}
