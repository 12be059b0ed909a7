/**
 * Project members through the API (issue 17): any member reads the list and may
 * leave, owners (`manage`) add, re-role and remove; the rules and the audit rows are core's
 * domain writes (core/src/domain/members.ts). One transaction per request.
 */
import type { DataSource } from 'typeorm';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { addMember, changeRole, listMembers, removeMember, type MemberRow } from '@kubidu/core/domain/members';
import type { AddMemberBody, MemberView } from '@kubidu/core/contract/members';
import type { ProjectRole } from '@kubidu/core/contract/roles';
import type { AuthUser } from '../auth/auth-service.js';
import { projectFor, requireUnscoped } from '../access/permissions.js';

const view = (m: MemberRow): MemberView => ({ userId: m.userId, email: m.email, role: m.role, addedAt: m.addedAt.toISOString() });

/** Lists and changes project members. */
export class MemberService {
  constructor(private readonly deps: { ds: DataSource; audit: AuditWriter }) {}

  async list(user: AuthUser, projectId: string): Promise<MemberView[]> {
    const em = this.deps.ds.manager;
    await projectFor(em, user, projectId, 'read');
    return (await listMembers(em, projectId)).map(view);
  }

  async add(user: AuthUser, projectId: string, body: AddMemberBody): Promise<MemberView> {
    return this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      return view(await addMember(em, this.deps.audit, { id: user.id, name: user.email }, projectId, body));
    });
  }

  async setRole(user: AuthUser, projectId: string, userId: string, role: ProjectRole): Promise<MemberView> {
    return this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'manage');
      return view(await changeRole(em, this.deps.audit, { id: user.id, name: user.email }, projectId, userId, role));
    });
  }

  /** Owners remove anyone; any member may leave (remove themselves) — not through a rollback-scoped token. */
  async remove(user: AuthUser, projectId: string, userId: string): Promise<void> {
    await this.deps.ds.transaction(async (em) => {
      if (userId === user.id) {
        requireUnscoped(user, 'leave a project');
        await projectFor(em, user, projectId, 'read');
      } else {
        await projectFor(em, user, projectId, 'manage');
      }
      await removeMember(em, this.deps.audit, { id: user.id, name: user.email }, projectId, userId);
    });
  }
}
