/**
 * Ownership checks shared by every service: load a project, service or
 * deployment together with its owner, 404 when the id does not exist at all,
 * 403 when it belongs to someone else. Messages never echo the owner or the id.
 */
import type { EntityManager } from 'typeorm';
import { ForbiddenError, NotFoundError } from '@kubidu/core/errors';

/** A projects row as the ownership queries select it. */
export interface ProjectRow {
  id: string;
  name: string;
  slug: string;
  owner_id: string;
  created_at: Date;
}

/** A services row joined with its project's slug and owner. */
export interface ServiceRow {
  id: string;
  project_id: string;
  name: string;
  port: number;
  auto_rollback: boolean;
  created_at: Date;
  project_slug: string;
  owner_id: string;
}

/** The project, if `userId` owns it. */
export async function ownedProject(em: EntityManager, userId: string, projectId: string): Promise<ProjectRow> {
  const [row]: ProjectRow[] = await em.query(
    `SELECT id, name, slug, owner_id, created_at FROM projects WHERE id = $1`,
    [projectId],
  );
  if (!row) throw new NotFoundError('PROJECT_NOT_FOUND', 'Project not found');
  if (row.owner_id !== userId) throw new ForbiddenError('This project belongs to another user');
  return row;
}

/** The service (with its project's slug), if `userId` owns its project. `lock` takes FOR UPDATE on the service row. */
export async function ownedService(
  em: EntityManager,
  userId: string,
  serviceId: string,
  opts: { lock?: boolean } = {},
): Promise<ServiceRow> {
  const [row]: ServiceRow[] = await em.query(
    `SELECT s.id, s.project_id, s.name, s.port, s.auto_rollback, s.created_at, p.slug AS project_slug, p.owner_id
       FROM services s JOIN projects p ON p.id = s.project_id
      WHERE s.id = $1 ${opts.lock ? 'FOR UPDATE OF s' : ''}`,
    [serviceId],
  );
  if (!row) throw new NotFoundError('SERVICE_NOT_FOUND', 'Service not found');
  if (row.owner_id !== userId) throw new ForbiddenError('This service belongs to another user');
  return row;
}
