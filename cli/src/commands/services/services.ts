/** `kubidu services` and `kubidu services create NAME [--port]`. */
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { printJson } from '../../lib/output.js';
import { wholeNumber } from '../deploy/deploy.js';
import { resolveProjectFromContext, type ServiceFlags } from '../../lib/resolve.js';
import { openSession } from '../../lib/session.js';
import { formatAge, formatTable } from '../../lib/table.js';

export interface ServicesArgs extends GlobalArgs, ServiceFlags {}

/** Lists the services of --project or the linked project. */
export async function run(args: ServicesArgs, deps: Deps): Promise<void> {
  const { api, out } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const { items } = await api.listServices(project.id);
  if (args.json) return printJson(deps.stdout, items);
  if (items.length === 0) {
    deps.stdout.write(`No services in ${project.name} yet. Create one with: kubidu services create NAME --project ${project.slug}\n`);
    return;
  }
  const now = deps.now();
  deps.stdout.write(
    formatTable(
      ['ID', 'NAME', 'PORT', 'NAMESPACE', 'ARGO CD APP', 'CREATED'],
      items.map((s) => [out.cyan(s.id), s.name, String(s.port), s.namespace, s.argocdApp, formatAge(s.createdAt, now)]),
    ),
  );
}

export interface CreateServiceArgs extends ServicesArgs {
  name: string;
  port?: number;
}

/** Creates a service in --project or the linked project. */
export async function runCreate(args: CreateServiceArgs, deps: Deps): Promise<void> {
  const { api } = await openSession(args, deps);
  const project = await resolveProjectFromContext(api, args, deps.cwd);
  const service = await api.createService(project.id, { name: args.name, ...(args.port !== undefined ? { port: wholeNumber(args.port, 'port') } : {}) });
  if (args.json) return printJson(deps.stdout, service);
  deps.stdout.write(`Created service ${service.name} (port ${service.port}) in ${project.name}: ${service.id}\n`);
  deps.stdout.write(`Deploys to namespace ${service.namespace} as Argo CD Application ${service.argocdApp}\n`);
}
