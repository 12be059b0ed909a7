/**
 * `GET /api/deployments/:id/relations`: what the web's deployment page shows
 * around one deployment — the row before it and what changed since (never a
 * secret value), the rollbacks that restored it, and the rollback that moved the
 * service away from it.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';
import { DeploymentDiff, DeploymentView } from './deployments.js';

/** A deployment's neighbours in its service's history. */
export const DeploymentRelations = Type.Object({
  /** The row made just before this one in the service's history (any status); null for the first. */
  previous: Nullable(DeploymentView),
  /** From `previous` (the diff's "current") to this deployment (its "target"); null for the first. */
  changes: Nullable(DeploymentDiff),
  /** ROLLBACK rows that restored this deployment, newest first. */
  rollbacksTo: Type.Array(DeploymentView),
  /** The rollback that replaced this deployment while it was the last good one; null when none did. */
  rolledBackBy: Nullable(DeploymentView),
});
/** The static type of DeploymentRelations. */
export type DeploymentRelations = Static<typeof DeploymentRelations>;
