/** `kubidu projects` and `kubidu projects create NAME`. */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { printJson } from '../../lib/output.js';
import { openSession } from '../../lib/session.js';
import { formatAge, formatTable } from '../../lib/table.js';

/** Lists the caller's projects, with the caller's role in each. */
export async function run(args: GlobalArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  const { items } = await api.listProjects();
  if (args.json) return printJson(deps.stdout, items);
  if (items.length === 0) {
    deps.stdout.write('No projects yet. Create one with: kubidu projects create NAME\n');
    return;
  }
  const now = deps.now();
  deps.stdout.write(
    formatTable(['ID', 'NAME', 'SLUG', 'ROLE', 'CREATED'], items.map((p) => [out.cyan(p.id), p.name, p.slug, p.role, formatAge(p.createdAt, now)])),
  );
}

export interface CreateProjectArgs extends GlobalArgs {
  name: string;
  slug?: string;
}

/** Creates a project. */
export async function runCreate(args: CreateProjectArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await api.createProject({ name: args.name, ...(args.slug ? { slug: args.slug } : {}) });
  if (args.json) return printJson(deps.stdout, project);
  deps.stdout.write(`Created project ${project.name} (${project.slug}) ${project.id}\n`);
}
