/**
 * Audit rows as the API lists them, newest first. Appending is core's one audit
 * writer (@kubidu/core/domain/audit), used inside each write's transaction.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from '../deployments/cursor.js';
import { ValidationError } from '@kubidu/core/errors';
import type { AuditView } from '@kubidu/core/contract/audit';
import type { AuthUser } from '../auth/auth-service.js';
import { deploymentFor, projectFor, serviceFor } from '../access/permissions.js';

/** Which audit rows to list; the visibility rule (`viewer`) is always applied. */
export interface AuditQuery {
  viewer: AuthUser;
  projectId?: string;
  serviceId?: string;
  deploymentId?: string;
  action?: string;
  limit: number;
  cursor?: string;
}

interface AuditRow {
  id: string;
  seq: string;
  created_at: Date;
  actor: string;
  actor_id: string | null;
  action: string;
  project_id: string | null;
  service_id: string | null;
  deployment_id: string | null;
  data: Record<string, unknown>;
}

/** Reads audit rows for the API. */
export class AuditRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Newest first (403/404 first when a filter names someone else's or an unknown
   * project/service), keyset-paginated on seq. Without a project/service filter a
   * viewer sees rows of projects they are a member of (any role may read the
   * audit) plus their own account's rows.
   */
  async list(q: AuditQuery): Promise<{ items: AuditView[]; nextCursor: string | null }> {
    if (q.projectId) await projectFor(this.ds.manager, q.viewer, q.projectId, 'read');
    if (q.serviceId) await serviceFor(this.ds.manager, q.viewer, q.serviceId, 'read');
    if (q.deploymentId) await deploymentFor(this.ds.manager, q.viewer, q.deploymentId, 'read');
    const params: unknown[] = [];
    const where: string[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.serviceId) where.push(`a.service_id = ${p(q.serviceId)}`);
    if (q.projectId) where.push(`a.project_id = ${p(q.projectId)}`);
    if (q.deploymentId) where.push(`a.deployment_id = ${p(q.deploymentId)}`);
    if (q.action) where.push(`a.action = ${p(q.action)}`);
    if (!q.serviceId && !q.projectId && !q.deploymentId) {
      const me = p(q.viewer.id);
      where.push(`(a.actor_id = ${me} OR a.project_id IN (SELECT project_id FROM project_members WHERE user_id = ${me}))`);
    }
    if (q.cursor !== undefined) {
      const seq = decodeCursor(q.cursor);
      if (!seq) throw new ValidationError('querystring/cursor is not a valid cursor');
      where.push(`a.seq < ${p(seq)}`);
    }
    const rows: AuditRow[] = await this.ds.query(
      `SELECT a.id, a.seq, a.created_at, a.actor, a.actor_id, a.action, a.project_id, a.service_id, a.deployment_id, a.data
         FROM audit_logs a WHERE ${where.join(' AND ')} ORDER BY a.seq DESC LIMIT ${p(q.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        createdAt: r.created_at.toISOString(),
        actor: r.actor,
        actorId: r.actor_id,
        action: r.action,
        projectId: r.project_id,
        serviceId: r.service_id,
        deploymentId: r.deployment_id,
        data: r.data ?? {},
      })),
      nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].seq) : null,
    };
  }
}
