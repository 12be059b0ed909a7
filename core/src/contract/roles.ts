/**
 * Project roles and what each may do: the one table the API's permission check,
 * the CLI and the web's role-aware buttons all read (issue 17). A value file with
 * no imports, so the browser bundle loads it without the schema library.
 */

/** The roles a project member can have, strongest first. */
export const PROJECT_ROLES = ['owner', 'deployer', 'oncall', 'viewer'] as const;
/** One of PROJECT_ROLES. */
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/**
 * What a request may need on a project: `read` (history, diff, audit, env),
 * `rollback` (roll back, release a hold, mark/unmark bad), `deploy` (a new image,
 * env or settings, a new service), `manage` (members).
 */
export const PERMISSIONS = ['read', 'rollback', 'deploy', 'manage'] as const;
/** One of PERMISSIONS. */
export type Permission = (typeof PERMISSIONS)[number];

/** The table: each role and the permissions it has. */
export const ROLE_PERMISSIONS: Readonly<Record<ProjectRole, readonly Permission[]>> = {
  owner: ['read', 'rollback', 'deploy', 'manage'],
  deployer: ['read', 'rollback', 'deploy'],
  oncall: ['read', 'rollback'],
  viewer: ['read'],
};

/** API token scopes: `rollback` tokens (an incident bot) read and roll back, release and mark bad, nothing else. */
export const TOKEN_SCOPES = ['rollback'] as const;
/** One of TOKEN_SCOPES. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The permissions a token scope leaves (null: the token acts with its user's full roles). */
export const SCOPE_PERMISSIONS: Readonly<Record<TokenScope, readonly Permission[]>> = {
  rollback: ['read', 'rollback'],
};

/** What a caller with `role` (and a token `scope`, if any) may do on the project. */
export function permissionsOf(role: ProjectRole, scope: TokenScope | null = null): Permission[] {
  const allowed = ROLE_PERMISSIONS[role];
  return scope ? allowed.filter((p) => SCOPE_PERMISSIONS[scope].includes(p)) : [...allowed];
}

/** True when `role` has `permission`. */
export function roleCan(role: ProjectRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** What each permission lets one do, in words a 403 and a disabled button use. */
export const PERMISSION_WORDS: Readonly<Record<Permission, string>> = {
  read: 'see this project',
  rollback: 'roll back, release a deploy hold or mark deployments bad',
  deploy: 'deploy new images or change env and settings',
  manage: 'manage members',
};

/** Why a control is disabled for `role`: the role's name and what it cannot do. */
export function roleLacks(role: ProjectRole, permission: Permission): string {
  return `The ${role} role cannot ${PERMISSION_WORDS[permission]}`;
}
