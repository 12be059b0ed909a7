/**
 * The domain errors of deploys and rollbacks (eligibility, deploy hold, bad marks,
 * partial rollbacks). They are KubiduErrors like the rest, so the one error handler maps
 * them; clients and tests match on `code`.
 */
import { KubiduError } from '../errors.js';
import { clipWords } from '../contract/clip.js';
import { rollbackRefusalMessage } from '../contract/rollback-rule.js';
import type { DeploymentStatus } from '../contract/enums.js';

/** The most characters of a person's reason a message quotes (whole words, then "…"); `data` keeps it whole. */
export const QUOTED_REASON_MAX = 200;
const quote = (reason: string) => clipWords(reason, QUOTED_REASON_MAX);

/**
 * 409: a rollback put a deploy hold on the service; the message says how to release or override it.
 * Only the quoted reason is ever shortened; the instructions are always whole. The message names the
 * CLI command and the body field (an API caller's words); the CLI prints its own hint from `code` and `data`.
 */
export class DeployHeldError extends KubiduError {
  constructor(hold: { rollbackId: string; heldBy: string; reason: string | null; createdAt: string }, serviceId: string) {
    super(
      'DEPLOY_HELD',
      409,
      `Deploys of this service are held: rollback ${hold.rollbackId.slice(0, 8)} by ${hold.heldBy} is in force` +
        (hold.reason ? ` (${quote(hold.reason)})` : '') +
        `. Release the hold with \`kubidu release\` (POST /api/services/${serviceId}/release, or the Release button),` +
        ` or deploy anyway with \`kubidu deploy --override-hold\` (body "override": true).`,
      { rollbackId: hold.rollbackId, heldBy: hold.heldBy, heldSince: hold.createdAt, reason: hold.reason },
    );
  }
}

/** 409: release asked for a service that has no hold. */
export class NotHeldError extends KubiduError {
  constructor() {
    super('DEPLOY_NOT_HELD', 409, 'Deploys of this service are not held');
  }
}

/** 400: the rollback target was marked bad. */
export class RollbackTargetBadError extends KubiduError {
  constructor(reason: string) {
    super('ROLLBACK_TARGET_BAD', 400, rollbackRefusalMessage('ROLLBACK_TARGET_BAD', { status: 'SUCCESS', badReason: reason }), { reason });
  }
}

/** 409: the image a deploy or rollback would run is the exact image of a deployment marked bad. */
export class ImageMarkedBadError extends KubiduError {
  constructor(deploymentId: string, reason: string) {
    super(
      'IMAGE_MARKED_BAD',
      409,
      `This image is the image of deployment ${deploymentId.slice(0, 8)}, marked bad (${quote(reason)}); unmark it to deploy it again`,
      { deploymentId, reason },
    );
  }
}

/** 409: unmark asked for a deployment that is not marked bad. */
export class NotMarkedBadError extends KubiduError {
  constructor() {
    super('DEPLOYMENT_NOT_BAD', 409, 'This deployment is not marked bad');
  }
}

/** 409: an image-only or config-only rollback needs a current deployment to keep the other half from. */
export class NoCurrentDeploymentError extends KubiduError {
  constructor(only: string) {
    super('NO_CURRENT_DEPLOYMENT', 409, `A ${only}-only rollback keeps the rest of the current deployment, and this service has none running`, { only });
  }
}

/** 409: an env change makes a new deployment of the current image, and this service has none yet. */
export class NothingDeployedError extends KubiduError {
  constructor() {
    super(
      'NO_CURRENT_DEPLOYMENT',
      409,
      'This service has never been deployed, so there is no image to run with the new env; deploy an image first (its env and secrets come with it)',
      {},
    );
  }
}

/** 400: the rollback target is not in a state one may roll back to. */
export class RollbackTargetInvalidError extends KubiduError {
  constructor(status: DeploymentStatus) {
    super('ROLLBACK_TARGET_INVALID', 400, rollbackRefusalMessage('ROLLBACK_TARGET_INVALID', { status }), { status });
  }
}

/** 409: the rollback target is already the service's current deployment. */
export class RollbackTargetCurrentError extends KubiduError {
  constructor() {
    super('ROLLBACK_TARGET_CURRENT', 409, rollbackRefusalMessage('ROLLBACK_TARGET_CURRENT', { status: 'RUNNING' }));
  }
}
