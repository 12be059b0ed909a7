/**
 * Project membership, written once (issue 17): who is in a project with which
 * role, and the three audited changes (add, change role, remove). Every change
 * locks the project row first, so two owners demoting each other at once cannot
 * leave a project without an owner: the rule "at least one owner" is checked under
 * that lock. Who may change members is the door's check (`manage`), made before.
 * A new project's creator becomes its owner member through an insert trigger on
 * `projects` (migration 1732000007000), in the project's own transaction.
 */
import type { EntityManager } from 'typeorm';
import { KubiduError, NotFoundError } from '../errors.js';
import type { ProjectRole } from '../contract/roles.js';
import type { AuditWriter } from './audit.js';
import { AUDIT_ACTIONS } from './vocabulary.js';

/** A member as the domain reads it. */
export interface MemberRow {
  userId: string;
  email: string;
  role: ProjectRole;
  addedAt: Date;
}

/** Who is making a membership change (the audit's actor). */
export interface MemberActor {
  id: string;
  name: string;
}

/** 409: the change would leave the project with no owner. */
export class LastOwnerError extends KubiduError {
  constructor() {
    super('LAST_OWNER', 409, 'A project keeps at least one owner: make someone else owner first');
  }
}

/** 409: the person is already a member (PATCH changes a role). */
export class AlreadyMemberError extends KubiduError {
  constructor(role: ProjectRole) {
    super('ALREADY_MEMBER', 409, `This person is already a member (role ${role}); change the role instead`, { role });
  }
}

const MEMBER_COLUMNS = `m.user_id AS "userId", u.email, m.role, m.created_at AS "addedAt"`;

/** The caller's role in a project, or null when not a member. */
export async function roleOf(em: EntityManager, userId: string, projectId: string): Promise<ProjectRole | null> {
  const [row]: { role: ProjectRole }[] = await em.query(`SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2`, [projectId, userId]);
  return row?.role ?? null;
}

/** The members of a project: owners first, then deployer, oncall, viewer; by email within a role. */
export async function listMembers(em: EntityManager, projectId: string): Promise<MemberRow[]> {
  return em.query(
    `SELECT ${MEMBER_COLUMNS} FROM project_members m JOIN users u ON u.id = m.user_id
      WHERE m.project_id = $1
      ORDER BY array_position(ARRAY['owner','deployer','oncall','viewer'], m.role), u.email`,
    [projectId],
  );
}

async function lockProject(em: EntityManager, projectId: string): Promise<void> {
  const rows = await em.query(`SELECT id FROM projects WHERE id = $1 FOR UPDATE`, [projectId]);
  if (!rows.length) throw new NotFoundError('PROJECT_NOT_FOUND', 'Project not found');
}

async function memberFor(em: EntityManager, projectId: string, userId: string): Promise<MemberRow> {
  const [row]: MemberRow[] = await em.query(
    `SELECT ${MEMBER_COLUMNS} FROM project_members m JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 AND m.user_id = $2`,
    [projectId, userId],
  );
  if (!row) throw new NotFoundError('MEMBER_NOT_FOUND', 'This user is not a member of the project');
  return row;
}

async function otherOwners(em: EntityManager, projectId: string, userId: string): Promise<number> {
  const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM project_members WHERE project_id = $1 AND role = 'owner' AND user_id <> $2`, [projectId, userId]);
  return n;
}

/** Adds the account with `email` to the project (404 `USER_NOT_FOUND` without an account, 409 `ALREADY_MEMBER`). Audited `MEMBER_ADDED`. */
export async function addMember(
  em: EntityManager,
  audit: AuditWriter,
  actor: MemberActor,
  projectId: string,
  input: { email: string; role: ProjectRole },
): Promise<MemberRow> {
  await lockProject(em, projectId);
  const email = input.email.trim().toLowerCase();
  const [user]: { id: string }[] = await em.query(`SELECT id FROM users WHERE email = $1`, [email]);
  if (!user) throw new NotFoundError('USER_NOT_FOUND', 'No account has this email: the person must register first');
  const existing = await roleOf(em, user.id, projectId);
  if (existing) throw new AlreadyMemberError(existing);
  await em.query(`INSERT INTO project_members(project_id, user_id, role) VALUES ($1, $2, $3)`, [projectId, user.id, input.role]);
  await audit.append(em, {
    actorId: actor.id,
    actor: actor.name,
    action: AUDIT_ACTIONS.memberAdded,
    projectId,
    data: { userId: user.id, email, role: input.role },
  });
  return memberFor(em, projectId, user.id);
}

/** Changes a member's role (404 `MEMBER_NOT_FOUND`; 409 `LAST_OWNER` when it would leave no owner). Audited `MEMBER_ROLE_CHANGED`. */
export async function changeRole(
  em: EntityManager,
  audit: AuditWriter,
  actor: MemberActor,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<MemberRow> {
  await lockProject(em, projectId);
  const before = await memberFor(em, projectId, userId);
  if (before.role === role) return before;
  if (before.role === 'owner' && (await otherOwners(em, projectId, userId)) === 0) throw new LastOwnerError();
  await em.query(`UPDATE project_members SET role = $3 WHERE project_id = $1 AND user_id = $2`, [projectId, userId, role]);
  await audit.append(em, {
    actorId: actor.id,
    actor: actor.name,
    action: AUDIT_ACTIONS.memberRoleChanged,
    projectId,
    data: { userId, email: before.email, from: before.role, role },
  });
  return { ...before, role };
}

/** Removes a member (404 `MEMBER_NOT_FOUND`; 409 `LAST_OWNER`). Takes effect on their next request. Audited `MEMBER_REMOVED`. */
export async function removeMember(em: EntityManager, audit: AuditWriter, actor: MemberActor, projectId: string, userId: string): Promise<void> {
  await lockProject(em, projectId);
  const before = await memberFor(em, projectId, userId);
  if (before.role === 'owner' && (await otherOwners(em, projectId, userId)) === 0) throw new LastOwnerError();
  await em.query(`DELETE FROM project_members WHERE project_id = $1 AND user_id = $2`, [projectId, userId]);
  await audit.append(em, {
    actorId: actor.id,
    actor: actor.name,
    action: AUDIT_ACTIONS.memberRemoved,
    projectId,
    data: { userId, email: before.email, role: before.role },
  });
}
