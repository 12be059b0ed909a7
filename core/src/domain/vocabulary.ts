/**
 * The words every door and the controller share: the audit actions, the actor
 * Kubidu itself writes as, the NOTIFY channels, and (from the wire contract, where
 * they are declared) deployment statuses, sources and client names. Declared once
 * so a status, an action or a channel name is never spelled twice.
 */

// The closed word lists clients see are the wire contract's (a leaf module the web bundle can load).
export {
  CLIENT_NAMES,
  DEPLOYMENT_SOURCES,
  DEPLOYMENT_STATUSES,
  type ClientName,
  type DeploymentSource,
  type DeploymentStatus,
  type RollbackOnly,
} from '../contract/enums.js';
export { ROLLBACKABLE_STATUSES } from '../contract/rollback-rule.js';

/** Every audit action Kubidu writes. The audit table is append-only; these are its vocabulary. */
export const AUDIT_ACTIONS = {
  userRegistered: 'USER_REGISTERED',
  tokenCreated: 'TOKEN_CREATED',
  tokenRevoked: 'TOKEN_REVOKED',
  userSignedOut: 'USER_SIGNED_OUT',
  projectCreated: 'PROJECT_CREATED',
  serviceCreated: 'SERVICE_CREATED',
  memberAdded: 'MEMBER_ADDED',
  memberRoleChanged: 'MEMBER_ROLE_CHANGED',
  memberRemoved: 'MEMBER_REMOVED',
  deploymentCreated: 'DEPLOYMENT_CREATED',
  deploymentRollback: 'DEPLOYMENT_ROLLBACK',
  deploymentMarkedBad: 'DEPLOYMENT_MARKED_BAD',
  deploymentUnmarkedBad: 'DEPLOYMENT_UNMARKED_BAD',
  holdSet: 'DEPLOY_HOLD_SET',
  holdReleased: 'DEPLOY_HOLD_RELEASED',
  holdOverridden: 'DEPLOY_HOLD_OVERRIDDEN',
  deploymentCancelled: 'DEPLOYMENT_CANCELLED',
  deploymentCommitted: 'DEPLOYMENT_COMMITTED',
  deploymentRunning: 'DEPLOYMENT_RUNNING',
  deploymentFailed: 'DEPLOYMENT_FAILED',
  gitChange: 'DEPLOYMENT_GIT_CHANGE',
  gitWarning: 'DEPLOYMENT_GIT_WARNING',
  historyRewritten: 'MANIFESTS_HISTORY_REWRITTEN',
  webhookCreated: 'WEBHOOK_CREATED',
  webhookUpdated: 'WEBHOOK_UPDATED',
  webhookDeleted: 'WEBHOOK_DELETED',
  serviceUpdated: 'SERVICE_UPDATED',
  autoRollbackSkipped: 'AUTO_ROLLBACK_SKIPPED',
  releaseRollback: 'RELEASE_ROLLBACK',
  releaseFinished: 'RELEASE_FINISHED',
} as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** The actor of a rollback Kubidu makes itself after a failed deploy (issue 20). */
export const AUTO_ROLLBACK_ACTOR = 'kubidu auto-rollback';

/** The actor name the controller writes its own audit rows as. */
export const CONTROLLER_ACTOR = 'kubidu-controller';

/** NOTIFY channels: a deployment row was inserted (the table trigger), a manifests push webhook arrived. */
export const NOTIFY_CHANNELS = {
  deployments: 'kubidu_deployments',
  gitPush: 'kubidu_git_push',
} as const;
