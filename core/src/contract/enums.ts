/**
 * The closed word lists of the wire contract. Plain constants with no imports,
 * so the database schema (core/src/db/entities.ts), the API's schemas and the
 * browser bundle all read the same lists.
 */

/** Every status a deployment row can be in; the order is the lifecycle order (the database CHECK allows exactly these). */
export const DEPLOYMENT_STATUSES = ['QUEUED', 'DEPLOYING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
/** One of DEPLOYMENT_STATUSES. */
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/**
 * Where a deployment row came from: a deploy through the API, a rollback a person asked for, a commit in
 * the manifests repo, or a rollback Kubidu made itself after a failed deploy (`AUTO`, issue 20).
 */
export const DEPLOYMENT_SOURCES = ['API', 'ROLLBACK', 'GIT', 'AUTO'] as const;
/** The sources of rows that roll back (a person's rollback, or Kubidu's automatic one). */
export const ROLLBACK_SOURCES: readonly DeploymentSource[] = ['ROLLBACK', 'AUTO'];
/** One of DEPLOYMENT_SOURCES. */
export type DeploymentSource = (typeof DEPLOYMENT_SOURCES)[number];

/** The clients that make rows through the API (request header `X-Kubidu-Client`, recorded as `via`). */
export const CLIENT_NAMES = ['api', 'cli', 'web'] as const;
/** One of CLIENT_NAMES. */
export type ClientName = (typeof CLIENT_NAMES)[number];

/** Which door a history row came through: a plain deploy by client, a rollback, or a commit made outside Kubidu. */
export const DOORS = ['api', 'cli', 'web', 'rollback', 'git'] as const;
/** One of DOORS. */
export type Door = (typeof DOORS)[number];

/** What a partial rollback restores: `image` (keep the current env and settings) or `config` (keep the current image). */
export const ROLLBACK_ONLY = ['image', 'config'] as const;
/** One of ROLLBACK_ONLY. */
export type RollbackOnly = (typeof ROLLBACK_ONLY)[number];

/** The settings a rollback diff compares besides env. */
export const DIFF_FIELDS = ['image', 'port', 'replicas', 'cpuLimit', 'memoryLimit'] as const;
/** One of DIFF_FIELDS. */
export type DiffFieldName = (typeof DIFF_FIELDS)[number];

/** The longest reason a deploy, env change, rollback or bad mark takes (the API's schema and the clients' inputs). */
export const REASON_MAX_LENGTH = 1000;
