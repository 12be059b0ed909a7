/**
 * `kubidu link`: writes .kubidu.json in the current directory so later commands
 * know the service. Flags take names or ids; on a terminal, missing ones are
 * chosen from a list.
 */
import type { ProjectView, ServiceView } from '@kubidu/core/contract/projects';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { CliError, UsageError } from '../../lib/errors.js';
import { writeLink } from '../../lib/link-file.js';
import { printJson } from '../../lib/output.js';
import { findServiceByName, isUuid, resolveProject, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';

export interface LinkArgs extends GlobalArgs, ServiceFlags {}

/** Resolves project + service and writes the link file. */
export async function run(args: LinkArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  let project: ProjectView;
  let service: ServiceView;
  if (args.service && isUuid(args.service)) {
    service = await api.getService(args.service);
    project = await api.getProject(service.projectId);
  } else {
    if (args.project) project = await resolveProject(api, args.project);
    else {
      const { items } = await api.listProjects();
      if (items.length === 0) throw new CliError('PROJECT_NOT_FOUND', 'You have no projects yet: kubidu projects create NAME');
      if (!deps.interactive) throw new UsageError('Pass --project and --service (no terminal to choose on)');
      project = await deps.prompts.select('Project', items.map((p) => ({ name: `${p.name} (${p.slug})`, value: p })));
    }
    if (args.service) service = await findServiceByName(api, project.id, args.service);
    else {
      const { items } = await api.listServices(project.id);
      if (items.length === 0) throw new CliError('SERVICE_NOT_FOUND', `${project.name} has no services yet: kubidu services create NAME`);
      if (!deps.interactive) throw new UsageError('Pass --service (no terminal to choose on)');
      service = await deps.prompts.select('Service', items.map((s) => ({ name: s.name, value: s })));
    }
  }
  const path = await writeLink(deps.cwd, { projectId: project.id, serviceId: service.id, projectName: project.name, serviceName: service.name });
  if (args.json) return printJson(deps.stdout, { path, project, service });
  deps.stdout.write(`Linked ${deps.cwd} to ${project.name}/${service.name} (${path})\n`);
}
