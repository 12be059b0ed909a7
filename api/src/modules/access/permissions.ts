/**
 * The one permission check (issue 17). Every project resource — a project, a
 * service, a deployment — is reached through `projectFor`, `serviceFor` or
 * `deploymentFor`, which load the row (404 when the id does not exist at all) and
 * call `requirePermission`: 403 `FORBIDDEN` for a non-member, 403 with a code
 * naming what the role lacks (`ROLE_CANNOT_ROLLBACK`, `ROLE_CANNOT_DEPLOY`,
 * `ROLE_CANNOT_MANAGE`) for a member, 403 `TOKEN_SCOPE_ROLLBACK_ONLY` for a
 * rollback-scoped token asking for more. The role is read from the database on
 * every request, so removing a member takes effect on their next request.
 * Messages never echo an owner, an id or a slug.
 */
import type { EntityManager } from 'typeorm';
import { ForbiddenError, KubiduError, NotFoundError } from '@kubidu/core/errors';
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from '@kubidu/core/domain/deployment-rows';
import { roleOf } from '@kubidu/core/domain/members';
import { PERMISSION_WORDS, permissionsOf, roleCan, roleLacks, SCOPE_PERMISSIONS, type Permission, type ProjectRole } from '@kubidu/core/contract/roles';
import type { AuthUser } from '../auth/auth-service.js';

/** The caller's standing in one project: its role and what it may do there (its token's scope applied). */
export interface Standing {
  role: ProjectRole;
  permissions: Permission[];
}

const ROLE_CODES = { rollback: 'ROLE_CANNOT_ROLLBACK', deploy: 'ROLE_CANNOT_DEPLOY', manage: 'ROLE_CANNOT_MANAGE' } as const;

/** 403 for a member whose role lacks a permission; the code and message name what it lacks. */
export class RoleForbiddenError extends KubiduError {
  constructor(role: ProjectRole, permission: Exclude<Permission, 'read'>) {
    super(ROLE_CODES[permission], 403, `${roleLacks(role, permission)} in this project`, { role, lacks: permission });
  }
}

/** 403 for a rollback-scoped API token asking for anything but read, roll back, release or mark bad. */
export class TokenScopeError extends KubiduError {
  constructor(what: string) {
    super('TOKEN_SCOPE_ROLLBACK_ONLY', 403, `This API token is scoped to rollback: it cannot ${what}`, { scope: 'rollback' });
  }
}

/** Refuses account-level actions (new projects, tokens, sign-out) to a rollback-scoped token. */
export function requireUnscoped(user: AuthUser, what: string): void {
  if (user.scope) throw new TokenScopeError(what);
}

/**
 * The caller's standing in `projectId` if it has `permission` there; throws the
 * 403s described above otherwise. The project must exist (callers load it first).
 */
export async function requirePermission(
  em: EntityManager,
  user: AuthUser,
  projectId: string,
  permission: Permission,
  what = 'resource',
): Promise<Standing> {
  return standingOf(await roleOf(em, user.id, projectId), user, permission, what);
}

/** The rule itself, for loaders that read the caller's role in the same query as the row (one round trip). */
function standingOf(role: ProjectRole | null, user: AuthUser, permission: Permission, what: string): Standing {
  if (!role) throw new ForbiddenError(`You are not a member of the project this ${what} belongs to`);
  if (permission !== 'read' && !roleCan(role, permission)) throw new RoleForbiddenError(role, permission);
  if (user.scope && !SCOPE_PERMISSIONS[user.scope].includes(permission)) throw new TokenScopeError(PERMISSION_WORDS[permission]);
  return { role, permissions: permissionsOf(role, user.scope) };
}

/** `role` of the caller, joined onto a loader's query (`$2` is the caller's id). */
const MEMBER_ROLE = `(SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2) AS member_role`;

/** A projects row as the access queries select it. */
export interface ProjectRow {
  id: string;
  name: string;
  slug: string;
  owner_id: string;
  created_at: Date;
}

/** A services row joined with its project's slug. */
export interface ServiceRow {
  id: string;
  project_id: string;
  name: string;
  port: number;
  /** Issue 20: Argo CD's failed verdict on a deploy rolls it back automatically. */
  auto_rollback: boolean;
  created_at: Date;
  project_slug: string;
}

/** The project, if the caller has `permission` in it. */
export async function projectFor(em: EntityManager, user: AuthUser, projectId: string, permission: Permission): Promise<ProjectRow & Standing> {
  const [row]: (ProjectRow & { member_role: ProjectRole | null })[] = await em.query(
    `SELECT p.id, p.name, p.slug, p.owner_id, p.created_at, ${MEMBER_ROLE} FROM projects p WHERE p.id = $1`,
    [projectId, user.id],
  );
  if (!row) throw new NotFoundError('PROJECT_NOT_FOUND', 'Project not found');
  const { member_role, ...project } = row;
  return { ...project, ...standingOf(member_role, user, permission, 'project') };
}

/** The service (with its project's slug), if the caller has `permission` in its project. `lock` takes FOR UPDATE on the service row. */
export async function serviceFor(
  em: EntityManager,
  user: AuthUser,
  serviceId: string,
  permission: Permission,
  opts: { lock?: boolean } = {},
): Promise<ServiceRow & Standing> {
  const [row]: (ServiceRow & { member_role: ProjectRole | null })[] = await em.query(
    `SELECT s.id, s.project_id, s.name, s.port, s.auto_rollback, s.created_at, p.slug AS project_slug, ${MEMBER_ROLE}
       FROM services s JOIN projects p ON p.id = s.project_id
      WHERE s.id = $1 ${opts.lock ? 'FOR UPDATE OF s' : ''}`,
    [serviceId, user.id],
  );
  if (!row) throw new NotFoundError('SERVICE_NOT_FOUND', 'Service not found');
  const { member_role, ...service } = row;
  return { ...service, ...standingOf(member_role, user, permission, 'service') };
}

/** A deployment with the project it belongs to. */
export type AccessibleDeploymentRow = DeploymentRow & { projectId: string };

/** The deployment, if the caller has `permission` in its project: 404 when absent, 403 as above. */
export async function deploymentFor(em: EntityManager, user: AuthUser, id: string, permission: Permission): Promise<AccessibleDeploymentRow> {
  const [row]: (AccessibleDeploymentRow & { member_role: ProjectRole | null })[] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS}, s.project_id AS "projectId", ${MEMBER_ROLE}
       FROM deployments d JOIN services s ON s.id = d.service_id JOIN projects p ON p.id = s.project_id
      WHERE d.id = $1`,
    [id, user.id],
  );
  if (!row) throw new NotFoundError('DEPLOYMENT_NOT_FOUND', 'Deployment not found');
  const { member_role, ...deployment } = row;
  standingOf(member_role, user, permission, 'deployment');
  return deployment;
}
