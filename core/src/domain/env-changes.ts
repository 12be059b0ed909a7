/**
 * Changing a service's env, written once: `PATCH /api/services/:id/env` and
 * `kubidu env set/unset` make a new deployment of the current image with the
 * variables set or removed and everything else kept. It is a deploy (hold, bad
 * image, idempotent replay and audit are `createDeploy`'s), only its image comes
 * from the current deployment instead of the request.
 */
import type { EntityManager } from 'typeorm';
import { assertEnvChange, inheritedDeployment } from './deploy-config.js';
import { NothingDeployedError } from './deployment-errors.js';
import { createDeploy, type CreatedDeployment, type DeployRequest, type DomainDeps } from './deployments.js';
import { ValidationError } from '../errors.js';

/** An env change as asked for (already validated at the door). */
export interface EnvChangeRequest extends Pick<DeployRequest, 'service' | 'actor' | 'reason' | 'override' | 'idempotencyKey' | 'via'> {
  set?: Record<string, string>;
  secrets?: Record<string, string>;
  unset?: readonly string[];
  /** Shown in the history; default: which keys were set and unset. */
  commitMessage?: string;
}

/**
 * Queues a deployment of the current image with `set`/`secrets` set and `unset`
 * removed (the service locked by the caller). 409 `NO_CURRENT_DEPLOYMENT` when the
 * service was never deployed; 400 when the request changes nothing or contradicts itself.
 */
export async function createEnvChange(em: EntityManager, deps: DomainDeps, req: EnvChangeRequest): Promise<CreatedDeployment> {
  const set = req.set ?? {};
  const secrets = req.secrets ?? {};
  const unset = req.unset ?? [];
  const setKeys = [...Object.keys(set), ...Object.keys(secrets)].sort();
  if (setKeys.length === 0 && unset.length === 0) throw new ValidationError('body must set or unset at least one variable (set, secrets, unset)');
  assertEnvChange({ env: set, secrets, unset }, { env: 'set' });
  const from = await inheritedDeployment(em, req.service.id);
  if (!from) throw new NothingDeployedError();
  const summary = [setKeys.length ? `set ${setKeys.join(', ')}` : '', unset.length ? `unset ${[...unset].sort().join(', ')}` : ''].filter(Boolean).join('; ');
  return createDeploy(em, deps, {
    service: req.service,
    actor: req.actor,
    image: from.imageUrl,
    commitSha: from.commitSha ?? undefined,
    commitMessage: req.commitMessage ?? `Env change: ${summary}`.slice(0, 10_000),
    env: set,
    secrets,
    unset,
    reason: req.reason,
    override: req.override,
    idempotencyKey: req.idempotencyKey,
    via: req.via,
  });
}
