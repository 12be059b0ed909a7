/**
 * The words every door and the controller share: deployment statuses and sources,
 * the audit actions, the actors Kubidu itself writes as, and the NOTIFY channels.
 * Declared once here so a status, an action or a channel name is never spelled twice.
 */

/** A deployment's life: QUEUED → DEPLOYING → RUNNING | FAILED; RUNNING → SUCCESS once replaced; CANCELLED if superseded unstarted. */
export const DEPLOYMENT_STATUSES = ['QUEUED', 'DEPLOYING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** Where a row came from: a deploy through the API, a rollback, or a commit pushed to the manifests repo. */
export const DEPLOYMENT_SOURCES = ['API', 'ROLLBACK', 'GIT'] as const;
export type DeploymentSource = (typeof DEPLOYMENT_SOURCES)[number];

/** Statuses a rollback may target (the current deployment excepted). */
export const ROLLBACKABLE_STATUSES: readonly DeploymentStatus[] = ['RUNNING', 'SUCCESS'];

/** What a partial rollback restores from its target; null/undefined means everything. */
export type RollbackOnly = 'image' | 'config';

/** The client an API row was made with (`X-Kubidu-Client`). */
export const CLIENT_NAMES = ['api', 'cli', 'web'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** Every audit action Kubidu writes. The audit table is append-only; these are its vocabulary. */
export const AUDIT_ACTIONS = {
  userRegistered: 'USER_REGISTERED',
  tokenCreated: 'TOKEN_CREATED',
  projectCreated: 'PROJECT_CREATED',
  serviceCreated: 'SERVICE_CREATED',
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
} as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** The actor name the controller writes its own audit rows as. */
export const CONTROLLER_ACTOR = 'kubidu-controller';

/** NOTIFY channels: a deployment row was inserted (the table trigger), a manifests push webhook arrived. */
export const NOTIFY_CHANNELS = {
  deployments: 'kubidu_deployments',
  gitPush: 'kubidu_git_push',
} as const;
