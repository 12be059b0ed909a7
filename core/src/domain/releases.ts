/**
 * A whole project rolled back as one commit (issue 20, item 2). `planRelease` finds, for every
 * service of the project (or the subset asked for), the deployment to return to: the one live
 * at a moment (`at`: the newest RUNNING/SUCCESS row that had reached RUNNING by then), or the
 * row an earlier release made for it (`release`). Services already there, with nothing live
 * then, or outside that release, are skipped and listed. `createReleaseRollback` then, in the
 * caller's one transaction, inserts the release and one rollback row per changed service
 * through `createRollback` (each checked as a single rollback is: a bad target is a 400 naming
 * the service), all linked by `release_id`. The controller claims the release as one, writes
 * ONE commit touching every folder, and syncs each Application in parallel.
 */
import type { EntityManager } from 'typeorm';
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from './deployment-rows.js';
import type { DomainDeps } from './deployments.js';
import { createRollback } from './rollbacks.js';
import { AUDIT_ACTIONS, type ClientName } from './vocabulary.js';
import { KubiduError, NotFoundError, ValidationError } from '../errors.js';
import type { SkippedService } from '../contract/releases.js';

/** What a project rollback asks for (the door checked who may ask). */
export interface ReleaseTargetRequest {
  projectId: string;
  /** Exactly one of `at` and `releaseId`. */
  at?: Date;
  releaseId?: string;
  /** Service names or ids; all of the project's services when absent. */
  services?: string[];
}

/** One service that changes: from its current row to `target`. */
export interface PlannedChange {
  serviceId: string;
  service: string;
  currentId: string | null;
  target: DeploymentRow;
}

/** The plan: what changes, and what is skipped with the reason. */
export interface ReleasePlan {
  changes: PlannedChange[];
  skipped: SkippedService[];
}

/** Checks the request's shape (exactly one target, not in the future) and resolves the subset. */
async function servicesOf(em: EntityManager, req: ReleaseTargetRequest): Promise<Array<{ id: string; name: string }>> {
  if ((req.at === undefined) === (req.releaseId === undefined)) {
    throw new ValidationError('body must have exactly one of at (an ISO 8601 time) and release (a release id)', { field: 'at' });
  }
  if (req.at && Number.isNaN(req.at.getTime())) throw new ValidationError('at is not a valid ISO 8601 time', { field: 'at' });
  if (req.at && req.at.getTime() > Date.now()) throw new ValidationError('at is in the future: a project can only return to a moment that has passed', { field: 'at' });
  const all: Array<{ id: string; name: string }> = await em.query(`SELECT id, name FROM services WHERE project_id = $1 ORDER BY name`, [req.projectId]);
  if (!req.services) return all;
  const byKey = new Map<string, { id: string; name: string }>();
  for (const s of all) {
    byKey.set(s.name, s);
    byKey.set(s.id, s);
  }
  const unknown = req.services.filter((k) => !byKey.has(k));
  if (unknown.length > 0) {
    throw new ValidationError(`services: no service named ${unknown.slice(0, 5).map((u) => `"${u}"`).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} in this project`, { field: 'services', unknown: unknown.slice(0, 50) });
  }
  const picked = new Map(req.services.map((k) => [byKey.get(k)!.id, byKey.get(k)!]));
  return [...picked.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The target of each service: live at `at`, or made by release `releaseId`. */
async function targetsOf(em: EntityManager, req: ReleaseTargetRequest, ids: string[]): Promise<Map<string, DeploymentRow>> {
  let rows: DeploymentRow[];
  if (req.releaseId) {
    const [rel] = await em.query(`SELECT id FROM releases WHERE id = $1 AND project_id = $2`, [req.releaseId, req.projectId]);
    if (!rel) throw new NotFoundError('RELEASE_NOT_FOUND', 'Release not found in this project');
    rows = await em.query(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.release_id = $1 AND d.service_id = ANY($2::uuid[])`, [req.releaseId, ids]);
  } else {
    rows = await em.query(
      `SELECT DISTINCT ON (d.service_id) ${DEPLOYMENT_COLUMNS} FROM deployments d
        WHERE d.service_id = ANY($1::uuid[]) AND d.status IN ('RUNNING', 'SUCCESS') AND d.finished_at <= $2
        ORDER BY d.service_id, d.finished_at DESC, d.seq DESC`,
      [ids, req.at],
    );
  }
  return new Map(rows.map((r) => [r.serviceId, r]));
}

/** What a project rollback would do, without writing anything (the preview, and the first half of the write). */
export async function planRelease(em: EntityManager, req: ReleaseTargetRequest): Promise<ReleasePlan> {
  const services = await servicesOf(em, req);
  const targets = await targetsOf(em, req, services.map((s) => s.id));
  const plan: ReleasePlan = { changes: [], skipped: [] };
  const currents: Array<{ service_id: string; id: string; rollback_from_id: string | null; rollback_only: string | null }> = await em.query(
    `SELECT DISTINCT ON (service_id) service_id, id, rollback_from_id, rollback_only FROM deployments
      WHERE service_id = ANY($1::uuid[]) AND status = 'RUNNING' ORDER BY service_id, seq DESC`,
    [services.map((s) => s.id)],
  );
  const current = new Map(currents.map((c) => [c.service_id, c]));
  // A rollback to the same target still on its way (a repeated request, or a release in flight).
  const pendings: Array<{ service_id: string; rollback_from_id: string }> = await em.query(
    `SELECT DISTINCT ON (service_id) service_id, rollback_from_id FROM deployments
      WHERE service_id = ANY($1::uuid[]) AND status IN ('QUEUED', 'DEPLOYING') AND source IN ('ROLLBACK', 'AUTO') AND rollback_only IS NULL
      ORDER BY service_id, seq DESC`,
    [services.map((s) => s.id)],
  );
  const pending = new Map(pendings.map((p) => [p.service_id, p.rollback_from_id]));
  /** The service already runs the target: it is the target, a whole rollback to it, or the target is a whole rollback to it. */
  const alreadyThere = (cur: (typeof currents)[number] | undefined, t: DeploymentRow) =>
    !!cur &&
    (cur.id === t.id || (cur.rollback_only === null && cur.rollback_from_id === t.id) || (t.rollbackOnly === null && t.rollbackFromId === cur.id));
  for (const s of services) {
    const target = targets.get(s.id);
    const cur = current.get(s.id);
    if (!target) {
      plan.skipped.push({ serviceId: s.id, service: s.name, why: req.releaseId ? 'not part of that release' : 'nothing was running at that time' });
    } else if (alreadyThere(cur, target)) {
      plan.skipped.push({ serviceId: s.id, service: s.name, why: `already at ${target.id.slice(0, 8)}` });
    } else if (pending.get(s.id) === target.id) {
      plan.skipped.push({ serviceId: s.id, service: s.name, why: `a rollback to ${target.id.slice(0, 8)} is already on its way` });
    } else {
      plan.changes.push({ serviceId: s.id, service: s.name, currentId: cur?.id ?? null, target });
    }
  }
  return plan;
}

/** A project rollback as asked for. */
export interface ReleaseRollbackRequest extends ReleaseTargetRequest {
  reason?: string;
  actor: { id: string | null; name: string };
  via: ClientName | null;
}

/** The release made: its id, one row per changed service, and what was skipped. */
export interface CreatedRelease {
  releaseId: string;
  rows: Array<{ serviceId: string; service: string; row: DeploymentRow }>;
  skipped: SkippedService[];
}

/** Queues a project rollback in the caller's transaction (see the module comment). */
export async function createReleaseRollback(em: EntityManager, deps: DomainDeps, req: ReleaseRollbackRequest): Promise<CreatedRelease> {
  // Lock the project's services in one order, so two project rollbacks (or one and a single rollback) serialize.
  await em.query(`SELECT id FROM services WHERE project_id = $1 ORDER BY id FOR UPDATE`, [req.projectId]);
  const plan = await planRelease(em, req);
  if (plan.changes.length === 0) {
    throw new KubiduError('NOTHING_TO_ROLL_BACK', 409, 'Every service is already where that rollback would take it; nothing to do', { skipped: plan.skipped });
  }
  const reason = req.reason ?? null;
  const [rel] = await em.query(
    `INSERT INTO releases (project_id, status, at, to_release_id, reason, actor, created_by_id, via, skipped)
     VALUES ($1, 'QUEUED', $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id`,
    [req.projectId, req.at ?? null, req.releaseId ?? null, reason, req.actor.name, req.actor.id, req.via, JSON.stringify(plan.skipped)],
  );
  const out: CreatedRelease = { releaseId: rel.id, rows: [], skipped: plan.skipped };
  for (const c of plan.changes) {
    try {
      const { row } = await createRollback(em, deps, { targetId: c.target.id, actor: req.actor, reason: req.reason, via: req.via, releaseId: rel.id });
      out.rows.push({ serviceId: c.serviceId, service: c.service, row });
    } catch (err) {
      // The whole release is refused; say which service's rollback was.
      if (err instanceof KubiduError) throw new KubiduError(err.code, err.statusCode, `${c.service}: ${err.message}`, { ...err.data, service: c.service, serviceId: c.serviceId });
      throw err;
    }
  }
  await deps.audit.append(em, {
    actorId: req.actor.id,
    actor: req.actor.name,
    action: AUDIT_ACTIONS.releaseRollback,
    projectId: req.projectId,
    data: {
      releaseId: rel.id,
      at: req.at?.toISOString() ?? null,
      toReleaseId: req.releaseId ?? null,
      reason,
      deployments: out.rows.map((r) => ({ service: r.service, deploymentId: r.row.id, targetId: r.row.rollbackFromId })),
      skipped: plan.skipped.map((s) => s.service),
    },
  });
  return out;
}

