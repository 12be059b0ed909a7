/** `kubidu members [ls|add|set|rm]`: the linked (or given) project's members and their roles (issue 17). */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { printJson } from '../../lib/output.js';
import { resolveProjectFromContext, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge, formatTable } from '../../lib/table.js';
import { CliError } from '../../lib/errors.js';
import type { ApiClient } from '../../lib/api-client.js';
import type { MemberView } from '@kubidu/core/contract/members';
import type { ProjectRole } from '@kubidu/core/contract/roles';

export type MembersArgs = GlobalArgs & Pick<ServiceFlags, 'project'>;
export interface MemberChangeArgs extends MembersArgs {
  email: string;
  role?: ProjectRole;
}

/** Lists the members: email, role, since when. */
export async function runList(args: MembersArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const { items } = await api.listMembers(project.id);
  if (args.json) return printJson(deps.stdout, items);
  const now = deps.now();
  deps.stdout.write(`Members of ${project.name} (you: ${project.role})\n`);
  deps.stdout.write(formatTable(['EMAIL', 'ROLE', 'ADDED'], items.map((m) => [m.email, m.role, formatAge(m.addedAt, now)])));
}

/** Adds a person (who must have an account) with a role. */
export async function runAdd(args: MemberChangeArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const m = await api.addMember(project.id, { email: args.email, role: args.role! });
  if (args.json) return printJson(deps.stdout, m);
  deps.stdout.write(`Added ${m.email} to ${project.name} as ${m.role}\n`);
}

/** Changes a member's role. */
export async function runSet(args: MemberChangeArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const member = await memberByEmail(api, project.id, args.email);
  const m = await api.setMemberRole(project.id, member.userId, args.role!);
  if (args.json) return printJson(deps.stdout, m);
  deps.stdout.write(`${m.email} is now ${m.role} in ${project.name} (was ${member.role})\n`);
}

/** Removes a member; it takes effect on their next request. */
export async function runRemove(args: MemberChangeArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const member = await memberByEmail(api, project.id, args.email);
  await api.removeMember(project.id, member.userId);
  if (args.json) return printJson(deps.stdout, { removed: member });
  deps.stdout.write(`Removed ${member.email} (${member.role}) from ${project.name}\n`);
}

async function memberByEmail(api: ApiClient, projectId: string, email: string): Promise<MemberView> {
  const wanted = email.trim().toLowerCase();
  const hit = (await api.listMembers(projectId)).items.find((m) => m.email === wanted);
  if (!hit) throw new CliError('MEMBER_NOT_FOUND', `${email} is not a member of this project (see "kubidu members")`);
  return hit;
}
