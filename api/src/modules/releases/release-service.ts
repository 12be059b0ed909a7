/**
 * Project rollbacks through the API (issue 20, item 2): the preview, the rollback itself and
 * the release it makes. Access is the project's (projectFor: 404/403 by role, the check every
 * project route uses); the rules live in core's releases.ts, whose rows go through
 * createRollback like any single rollback. One transaction per request.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import { auditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { deploymentById } from '@kubidu/core/domain/deployment-rows';
import { envOfDeployment } from '@kubidu/core/domain/env-rows';
import { createReleaseRollback, planRelease, type ReleaseTargetRequest } from '@kubidu/core/domain/releases';
import type { ClientName } from '@kubidu/core/domain/vocabulary';
import { NotFoundError } from '@kubidu/core/errors';
import type { ReleasePreview, ReleaseRollbackBody, ReleaseView } from '@kubidu/core/contract/releases';
import type { AuthUser } from '../auth/auth-service.js';
import { projectFor } from '../access/permissions.js';
import { diffDeployments } from '../deployments/deployment-diff.js';

/** ReleaseService's collaborators. */
export interface ReleaseServiceDeps {
  ds: DataSource;
  secretBox: SecretBox;
  audit?: AuditWriter;
  wakeController?: () => void;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Reads a release and its rows as the API shows them. */
export async function releaseView(em: EntityManager, id: string): Promise<ReleaseView | null> {
  const [r] = await em.query(
    `SELECT id, project_id, status, at, to_release_id, reason, actor, status_message, manifests_commit_sha, created_at, finished_at, skipped
       FROM releases WHERE id = $1`,
    [id],
  );
  if (!r) return null;
  const rows = await em.query(
    `SELECT d.id, d.service_id, s.name AS service, d.status, d.rollback_from_id, d.image_url, d.status_message
       FROM deployments d JOIN services s ON s.id = d.service_id WHERE d.release_id = $1 ORDER BY s.name`,
    [id],
  );
  return {
    id: r.id,
    projectId: r.project_id,
    status: r.status,
    at: iso(r.at),
    toReleaseId: r.to_release_id,
    reason: r.reason,
    actor: r.actor,
    statusMessage: r.status_message,
    manifestsCommitSha: r.manifests_commit_sha,
    createdAt: iso(r.created_at)!,
    finishedAt: iso(r.finished_at),
    deployments: rows.map((d: any) => ({
      id: d.id,
      serviceId: d.service_id,
      service: d.service,
      status: d.status,
      targetId: d.rollback_from_id,
      imageUrl: d.image_url,
      statusMessage: d.status_message,
    })),
    skipped: r.skipped,
  };
}

/** Splits the preview's `services=a,b` query into names or ids. */
function serviceList(q: string | undefined): string[] | undefined {
  if (q === undefined) return undefined;
  const list = q.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/** Project rollbacks: preview, create, read. */
export class ReleaseService {
  private readonly audit: AuditWriter;

  constructor(private readonly deps: ReleaseServiceDeps) {
    this.audit = deps.audit ?? auditWriter;
  }

  /** What `rollback` would do: per changed service the diff a single rollback shows, and the skipped ones. */
  async preview(user: AuthUser, projectId: string, q: { at?: string; release?: string; services?: string }): Promise<ReleasePreview> {
    const em = this.deps.ds.manager;
    await projectFor(em, user, projectId, 'read');
    const req: ReleaseTargetRequest = { projectId, at: q.at ? new Date(q.at) : undefined, releaseId: q.release, services: serviceList(q.services) };
    const plan = await planRelease(em, req);
    const opened = async (id: string) => (await envOfDeployment(em, id)).map((e) => ({ key: e.key, isSecret: e.isSecret, value: this.deps.secretBox.open(e) }));
    const services: ReleasePreview['services'] = [];
    for (const c of plan.changes) {
      const current = c.currentId ? await deploymentById(em, c.currentId) : null;
      const diff = diffDeployments(c.target, current, { target: await opened(c.target.id), current: current ? await opened(current.id) : [] });
      services.push({ serviceId: c.serviceId, service: c.service, diff });
    }
    return { at: req.at ? req.at.toISOString() : null, toReleaseId: q.release ?? null, services, skipped: plan.skipped };
  }

  /** Queues the project rollback (202 with the release); the controller is woken after commit. */
  async rollback(user: AuthUser, projectId: string, body: ReleaseRollbackBody, via: ClientName = 'api'): Promise<ReleaseView> {
    const id = await this.deps.ds.transaction(async (em) => {
      await projectFor(em, user, projectId, 'rollback');
      const created = await createReleaseRollback(em, { audit: this.audit, secretBox: this.deps.secretBox }, {
        projectId,
        at: body.at ? new Date(body.at) : undefined,
        releaseId: body.release,
        services: body.services,
        reason: body.reason,
        actor: { id: user.id, name: user.email },
        via,
      });
      return created.releaseId;
    });
    this.deps.wakeController?.();
    return (await releaseView(this.deps.ds.manager, id))!;
  }

  /** One release (404 RELEASE_NOT_FOUND; 403 when its project is someone else's). */
  async get(user: AuthUser, id: string): Promise<ReleaseView> {
    const em = this.deps.ds.manager;
    const [r] = await em.query(`SELECT project_id FROM releases WHERE id = $1`, [id]);
    if (!r) throw new NotFoundError('RELEASE_NOT_FOUND', 'Release not found');
    await projectFor(em, user, r.project_id, 'read');
    return (await releaseView(em, id))!;
  }

  /** The project's releases, newest first (the 50 latest). */
  async list(user: AuthUser, projectId: string): Promise<ReleaseView[]> {
    const em = this.deps.ds.manager;
    await projectFor(em, user, projectId, 'read');
    const ids: Array<{ id: string }> = await em.query(`SELECT id FROM releases WHERE project_id = $1 ORDER BY created_at DESC LIMIT 50`, [projectId]);
    const out: ReleaseView[] = [];
    for (const { id } of ids) out.push((await releaseView(em, id))!);
    return out;
  }
}
