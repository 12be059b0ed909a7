/**
 * Config persists across deploys (as Heroku config vars and Railway variables
 * do): a deploy changes only what it names. This module holds that rule, once,
 * for `createDeploy` and the env change built on it: which deployment a new one
 * inherits from (the service's current one), and how the request's `env`,
 * `secrets`, `unset` and `replaceEnv` apply on top of its stored env rows
 * (copied as stored: secrets stay sealed, never decrypted).
 */
import type { EntityManager } from 'typeorm';
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from './deployment-rows.js';
import { envOfDeployment, sealEnv, type SealedEnvRow } from './env-rows.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { MAX_ENV_KEYS } from '../contract/common.js';
import { ValidationError } from '../errors.js';
import { assertEnvWithinLimits } from './env-limits.js';

/**
 * The deployment a new deploy of this service starts from: its newest RUNNING row;
 * if none, the newest row whose manifests reached the repo (committed by the
 * controller or imported from a commit); else null (a first deploy).
 */
export async function inheritedDeployment(em: EntityManager, serviceId: string): Promise<DeploymentRow | null> {
  const [row]: DeploymentRow[] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d
      WHERE d.service_id = $1 AND (d.status = 'RUNNING' OR d.manifests_commit_sha IS NOT NULL)
      ORDER BY (d.status = 'RUNNING') DESC, d.seq DESC LIMIT 1`,
    [serviceId],
  );
  return row ?? null;
}

/** What a request says about env: variables to set (plain, secret), keys to remove, or a whole new set. */
export interface EnvChange {
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Keys to remove from the inherited set (a key absent there is not an error). */
  unset?: readonly string[];
  /** The request's env and secrets are the whole set; nothing is inherited. */
  replaceEnv?: boolean;
}

/** The env rows of the new deployment, and the keys the audit row lists. */
export interface MergedEnv {
  rows: SealedEnvRow[];
  /** Keys the request set (plain and secret). */
  set: string[];
  /** Inherited keys the request removed (by `unset`, or all of them under `replaceEnv`). */
  unset: string[];
  /** Inherited keys carried over unchanged. */
  kept: string[];
}

/**
 * 400 for a request that contradicts itself: a key both plain and secret, a key
 * both set and unset, `unset` together with `replaceEnv`. `where` names the body's
 * fields as the door calls them (`env` for a deploy, `set` for PATCH .../env).
 */
export function assertEnvChange(change: EnvChange, where: { env: string } = { env: 'env' }): void {
  const env = change.env ?? {};
  const secrets = change.secrets ?? {};
  for (const key of Object.keys(secrets)) {
    if (Object.hasOwn(env, key)) throw new ValidationError(`body/secrets/${key} is also given in body/${where.env}; a key is either plain or secret`);
  }
  if (change.replaceEnv && change.unset?.length) {
    throw new ValidationError('body/unset has no meaning with body/replaceEnv: the env given is the whole set');
  }
  for (const key of change.unset ?? []) {
    if (Object.hasOwn(env, key) || Object.hasOwn(secrets, key)) throw new ValidationError(`body/unset names ${key}, which the request also sets`);
  }
  if (Object.keys(env).length + Object.keys(secrets).length > MAX_ENV_KEYS) {
    throw new ValidationError(`body/${where.env} and body/secrets together must have at most ${MAX_ENV_KEYS} keys`);
  }
}

/**
 * The new deployment's env: the inherited rows as stored, minus the keys the
 * request unsets or sets, plus the request's variables sealed; under `replaceEnv`
 * only the request's. 400 when the result would exceed MAX_ENV_KEYS or a size limit (env-limits.ts).
 */
export async function mergeEnv(em: EntityManager, secretBox: SecretBox, from: DeploymentRow | null, change: EnvChange): Promise<MergedEnv> {
  const fresh = sealEnv(secretBox, { env: change.env, secrets: change.secrets });
  const set = fresh.map((r) => r.key).sort();
  const inherited = from ? await envOfDeployment(em, from.id) : [];
  const removed = new Set(change.replaceEnv ? inherited.map((r) => r.key) : (change.unset ?? []));
  const kept = inherited.filter((r) => !removed.has(r.key) && !set.includes(r.key));
  const rows = [...kept, ...fresh];
  if (rows.length > MAX_ENV_KEYS) {
    throw new ValidationError(`the deployment would have ${rows.length} env keys (inherited and set together); at most ${MAX_ENV_KEYS} are allowed, unset some`);
  }
  assertEnvWithinLimits(rows);
  return {
    rows,
    set,
    unset: inherited.filter((r) => removed.has(r.key) && !set.includes(r.key)).map((r) => r.key).sort(),
    kept: kept.map((r) => r.key).sort(),
  };
}
