/**
 * Projects and their services. A project's slug and a service's name become
 * directories in the manifests repo (`apps/<slug>/<name>/`), so both are DNS
 * labels and unique (slug globally, name per project). The slug also names the
 * cluster namespace (KUBIDU_NAMESPACE_PREFIX + slug), so reserved slugs are refused,
 * and a service's Argo CD Application name must fit in 63 characters.
 */
import type { DataSource } from 'typeorm';
import { ConflictError, ValidationError, pgCode } from '@kubidu/core/errors';
import type { ProjectView, ServiceView } from '@kubidu/core/contract/projects';
import { DNS_LABEL } from '../../validation/formats.js';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import { appNameFor, DEFAULT_APP_TEMPLATE, DEFAULT_NAMESPACE_PREFIX, namespaceFor, projectSlugProblem, serviceNameProblem } from '@kubidu/core/domain/cluster-names';
import type { AuthUser } from '../auth/auth-service.js';
import { permissionsOf, type ProjectRole } from '@kubidu/core/contract/roles';
import { projectFor, requireUnscoped, serviceFor, type ProjectRow, type ServiceRow, type Standing } from '../access/permissions.js';

/** Lowercases a display name into a DNS label (`My App!` → `my-app`); '' when nothing is left. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

const projectView = (r: ProjectRow & Standing): ProjectView => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  ownerId: r.owner_id,
  createdAt: r.created_at.toISOString(),
  role: r.role,
  permissions: r.permissions,
});

/** Project and service CRUD; every project resource goes through the permission check (access/permissions.ts). */
export class ProjectService {
  constructor(
    private readonly deps: {
      ds: DataSource;
      audit: AuditWriter;
      /** KUBIDU_NAMESPACE_PREFIX (default `kubidu-`). */
      namespacePrefix?: string;
      /** ARGOCD_APP_TEMPLATE (default `{project}.{service}`). */
      argoAppTemplate?: string;
    },
  ) {}

  private get prefix(): string {
    return this.deps.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX;
  }

  private get appTemplate(): string {
    return this.deps.argoAppTemplate ?? DEFAULT_APP_TEMPLATE;
  }

  private serviceView(r: Pick<ServiceRow, 'id' | 'project_id' | 'name' | 'port' | 'auto_rollback' | 'created_at' | 'project_slug'> & Standing): ServiceView {
    return {
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      port: r.port,
      createdAt: r.created_at.toISOString(),
      projectSlug: r.project_slug,
      namespace: namespaceFor(this.prefix, r.project_slug),
      argocdApp: appNameFor(this.appTemplate, { project: r.project_slug, service: r.name }),
      autoRollback: r.auto_rollback,
      role: r.role,
      permissions: r.permissions,
    };
  }

  /** Creates a project; its creator becomes its owner member in the same transaction (the insert trigger). */
  async createProject(user: AuthUser, name: string, slug?: string): Promise<ProjectView> {
    requireUnscoped(user, 'create projects');
    const finalSlug = slug ?? slugify(name);
    if (!DNS_LABEL.test(finalSlug)) {
      throw new ValidationError('body/slug could not be derived from body/name; give a slug (a DNS label)');
    }
    const problem = projectSlugProblem(finalSlug, this.prefix);
    if (problem) throw new ValidationError(problem, { field: 'slug' });
    try {
      return await this.deps.ds.transaction(async (em) => {
        const [row]: ProjectRow[] = await em.query(
          `INSERT INTO projects(name, slug, owner_id) VALUES ($1, $2, $3) RETURNING id, name, slug, owner_id, created_at`,
          [name, finalSlug, user.id],
        );
        await this.deps.audit.append(em, {
          actorId: user.id,
          actor: user.email,
          action: AUDIT_ACTIONS.projectCreated,
          projectId: row.id,
          data: { name, slug: finalSlug },
        });
        return projectView({ ...row, role: 'owner', permissions: permissionsOf('owner', user.scope) });
      });
    } catch (err) {
      if (pgCode(err) === '23505') throw new ConflictError(`The project slug "${finalSlug}" is taken`, { field: 'slug' });
      throw err;
    }
  }

  /** The projects the caller is a member of, each with the caller's role. */
  async listProjects(user: AuthUser): Promise<ProjectView[]> {
    const rows: (ProjectRow & { role: ProjectRole })[] = await this.deps.ds.query(
      `SELECT p.id, p.name, p.slug, p.owner_id, p.created_at, m.role
         FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = $1
        ORDER BY p.created_at, p.id`,
      [user.id],
    );
    return rows.map((r) => projectView({ ...r, permissions: permissionsOf(r.role, user.scope) }));
  }

  async getProject(user: AuthUser, id: string): Promise<ProjectView> {
    return projectView(await projectFor(this.deps.ds.manager, user, id, 'read'));
  }

  async createService(user: AuthUser, projectId: string, name: string, port = 8080): Promise<ServiceView> {
    try {
      return await this.deps.ds.transaction(async (em) => {
        const project = await projectFor(em, user, projectId, 'deploy');
        const problem = serviceNameProblem(this.appTemplate, project.slug, name);
        if (problem) throw new ValidationError(problem, { field: 'name' });
        const [row]: ServiceRow[] = await em.query(
          `INSERT INTO services(project_id, name, port) VALUES ($1, $2, $3) RETURNING id, project_id, name, port, auto_rollback, created_at`,
          [projectId, name, port],
        );
        await this.deps.audit.append(em, {
          actorId: user.id,
          actor: user.email,
          action: AUDIT_ACTIONS.serviceCreated,
          projectId,
          serviceId: row.id,
          data: { name, port },
        });
        return this.serviceView({ ...row, project_slug: project.slug, role: project.role, permissions: project.permissions });
      });
    } catch (err) {
      if (pgCode(err) === '23505') throw new ConflictError(`A service named "${name}" already exists in this project`, { field: 'name' });
      throw err;
    }
  }

  async listServices(user: AuthUser, projectId: string): Promise<ServiceView[]> {
    const project = await projectFor(this.deps.ds.manager, user, projectId, 'read');
    const rows: ServiceRow[] = await this.deps.ds.query(
      `SELECT id, project_id, name, port, auto_rollback, created_at FROM services WHERE project_id = $1 ORDER BY name`,
      [projectId],
    );
    return rows.map((r) => this.serviceView({ ...r, project_slug: project.slug, role: project.role, permissions: project.permissions }));
  }

  async getService(user: AuthUser, id: string): Promise<ServiceView> {
    return this.serviceView(await serviceFor(this.deps.ds.manager, user, id, 'read'));
  }

  /**
   * Changes a service's settings (issue 20: the automatic-rollback opt-in), audited
   * `SERVICE_UPDATED` with the old and new value, in one transaction.
   */
  async updateService(user: AuthUser, id: string, patch: { autoRollback: boolean }): Promise<ServiceView> {
    return this.deps.ds.transaction(async (em) => {
      const row = await serviceFor(em, user, id, 'deploy', { lock: true });
      if (row.auto_rollback !== patch.autoRollback) {
        await em.query(`UPDATE services SET auto_rollback = $2 WHERE id = $1`, [id, patch.autoRollback]);
        await this.deps.audit.append(em, {
          actorId: user.id,
          actor: user.email,
          action: AUDIT_ACTIONS.serviceUpdated,
          projectId: row.project_id,
          serviceId: id,
          data: { autoRollback: { from: row.auto_rollback, to: patch.autoRollback } },
        });
      }
      return this.serviceView({ ...row, auto_rollback: patch.autoRollback });
    });
  }
}
