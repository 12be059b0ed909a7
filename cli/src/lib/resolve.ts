/**
 * Turns what the user typed (names or ids, a linked directory, an id prefix)
 * into API objects. Names are matched exactly; ids are uuids; a deployment may be
 * named by a unique prefix of at least 8 characters of its id.
 */
import type { ApiClient } from './api-client.js';
import type { DeploymentView } from '@kubidu/core/contract/deployments';
import type { ProjectView, ServiceView } from '@kubidu/core/contract/projects';
import { defaultRollbackTarget } from '@kubidu/core/contract/rollback-rule';
import { AmbiguousPrefixError, CliError, UsageError } from './errors.js';
import { findLink } from './link-file.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Minimum length of a deployment id prefix. */
export const MIN_PREFIX = 8;

/** Is `s` a full uuid? */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** The contract's short id (first 8 characters), re-exported so the commands take it from one place. */
export { shortId } from '@kubidu/core/contract/labels';

/** Validates a deployment id or prefix; returns it lower-cased. */
export function normalizeDeploymentRef(ref: string): string {
  const s = ref.trim().toLowerCase();
  if (isUuid(s)) return s;
  if (!/^[0-9a-f-]+$/.test(s)) throw new UsageError(`"${ref}" is not a deployment id (expected a uuid or a prefix of one)`);
  if (s.length < MIN_PREFIX) throw new UsageError(`Deployment id prefix "${ref}" is too short: give at least ${MIN_PREFIX} characters`);
  return s;
}

/** Outcome of matching a prefix against candidate rows. */
export type PrefixMatch<T> = { kind: 'none' } | { kind: 'one'; item: T } | { kind: 'many'; items: T[] };

/** Pure prefix match (the API filters too; this keeps the CLI honest about it). */
export function matchPrefix<T extends { id: string }>(prefix: string, rows: readonly T[]): PrefixMatch<T> {
  const p = prefix.toLowerCase();
  const hits = rows.filter((r) => r.id.toLowerCase().startsWith(p));
  if (hits.length === 0) return { kind: 'none' };
  if (hits.length === 1) return { kind: 'one', item: hits[0] };
  return { kind: 'many', items: hits };
}

/** Flags that pick a service. */
export interface ServiceFlags {
  project?: string;
  service?: string;
}

/** Finds a project by id, exact name or slug among the caller's projects. */
export async function resolveProject(api: ApiClient, ref: string): Promise<ProjectView> {
  if (isUuid(ref)) return api.getProject(ref);
  const { items } = await api.listProjects();
  const hits = items.filter((p) => p.name === ref || p.slug === ref);
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    throw new UsageError(`"${ref}" names ${hits.length} projects; use the id`, hits.map((p) => `${p.id}  ${p.name} (${p.slug})`));
  }
  throw new CliError('PROJECT_NOT_FOUND', `No project named "${ref}" (see "kubidu projects")`);
}

/** The project from --project, else from the nearest .kubidu.json. */
export async function resolveProjectFromContext(api: ApiClient, flags: ServiceFlags, cwd: string): Promise<ProjectView> {
  if (flags.project) return resolveProject(api, flags.project);
  const link = await findLink(cwd);
  if (link) return api.getProject(link.data.projectId);
  throw new UsageError('No project: pass --project NAME or run "kubidu link" in this directory');
}

/** Finds a service: --service (id, or name within --project / the linked project), else .kubidu.json. */
export async function resolveService(api: ApiClient, flags: ServiceFlags, cwd: string): Promise<ServiceView> {
  if (flags.service) {
    if (isUuid(flags.service)) return api.getService(flags.service);
    let projectId: string;
    if (flags.project) projectId = (await resolveProject(api, flags.project)).id;
    else {
      const link = await findLink(cwd);
      if (!link) throw new UsageError(`--service ${flags.service} needs --project (or a linked directory) to know which project it is in`);
      projectId = link.data.projectId;
    }
    return findServiceByName(api, projectId, flags.service);
  }
  const link = await findLink(cwd);
  if (!link) throw new UsageError('No service: run "kubidu link" in this directory or pass --service (and --project)');
  return api.getService(link.data.serviceId);
}

/** A service of one project by exact name. */
export async function findServiceByName(api: ApiClient, projectId: string, name: string): Promise<ServiceView> {
  const { items } = await api.listServices(projectId);
  const hit = items.find((s) => s.name === name);
  if (!hit) throw new CliError('SERVICE_NOT_FOUND', `No service named "${name}" in this project (see "kubidu services")`);
  return hit;
}

/**
 * A deployment from a full id or a unique prefix. A full id needs no service; a
 * prefix is looked up among the service's deployments with `idPrefix`.
 */
export async function resolveDeployment(api: ApiClient, ref: string, service: () => Promise<ServiceView>): Promise<DeploymentView> {
  const norm = normalizeDeploymentRef(ref);
  if (isUuid(norm)) return api.getDeployment(norm);
  const svc = await service();
  const page = await api.listDeployments(svc.id, { idPrefix: norm, limit: 100 });
  const match = matchPrefix(norm, page.items);
  if (match.kind === 'one') return match.item;
  if (match.kind === 'many') {
    throw new AmbiguousPrefixError(
      ref,
      match.items.map((d) => `${d.id}  ${d.status.padEnd(9)}  ${d.imageUrl}  ${d.createdAt}`),
    );
  }
  throw new CliError('DEPLOYMENT_NOT_FOUND', `No deployment of service ${svc.name} starts with "${ref}"`);
}

/**
 * The target `kubidu rollback` proposes without an id: the contract's default
 * (defaultRollbackTarget: the newest healthy deployment older than the current one
 * that no rollback replaced and that is not marked bad), read page by page.
 */
export async function defaultTarget(api: ApiClient, serviceId: string): Promise<DeploymentView | undefined> {
  const seen: DeploymentView[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await api.listDeployments(serviceId, { limit: 100, cursor });
    seen.push(...page.items);
    const hit = defaultRollbackTarget(seen.map((d) => ({ ...d, markedBad: Boolean(d.bad), row: d })));
    if (hit) return hit.row;
    if (!page.nextCursor) return undefined;
    cursor = page.nextCursor;
  }
  return undefined;
}
