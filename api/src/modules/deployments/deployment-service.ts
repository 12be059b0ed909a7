/**
 * Deployments: queue a deploy, queue a rollback, read the history, one row with
 * its env, and the diff a rollback would make. Each write is one transaction that
 * includes its audit row; the controller is woken after commit (the database
 * trigger NOTIFYs as well, for controllers in other processes).
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { DeploymentStatus, DeploymentSource } from '@kubidu/core/db/entities';
import { ROLLBACKABLE_STATUSES, canRollback } from '@kubidu/core/contract/rollback-rule';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RollbackTargetCurrentError,
  RollbackTargetInvalidError,
  ValidationError,
  pgCode,
  pgConstraint,
} from '../../errors.js';
import { MAX_ENV_KEYS } from '@kubidu/core/contract/common';
import type { DeployHoldView, DeploymentDetail, DeploymentDiff, DeploymentView } from '@kubidu/core/contract/deployments';
import type { AuditWriter } from '../audit/audit-repository.js';
import type { AuthUser } from '../auth/auth-service.js';
import { ownedService } from '../access/ownership.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  DeployHeldError,
  ImageMarkedBadError,
  NoCurrentDeploymentError,
  NotHeldError,
  NotMarkedBadError,
  RollbackTargetBadError,
} from './deployment-errors.js';

/** What a rollback restores; undefined = everything. */
export type RollbackOnly = 'image' | 'config';
/** The client a request came from (`X-Kubidu-Client`), recorded on the rows it makes. */
export type ClientName = 'api' | 'cli' | 'web';

/** A deployment row as selected by DEPLOYMENT_COLUMNS. */
export interface DeploymentRow {
  id: string;
  seq: string;
  serviceId: string;
  status: DeploymentStatus;
  source: DeploymentSource;
  imageUrl: string;
  commitSha: string | null;
  commitMessage: string | null;
  port: number;
  replicas: number;
  cpuLimit: string | null;
  memoryLimit: string | null;
  rollbackFromId: string | null;
  revertsDeploymentId: string | null;
  warning: string | null;
  createdById: string | null;
  actor: string;
  manifestsCommitSha: string | null;
  statusMessage: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  badReason: string | null;
  markedBadAt: Date | null;
  markedBadBy: string | null;
  rollbackOnly: RollbackOnly | null;
  via: ClientName | null;
  holdOverridden: boolean;
  revertsSource: DeploymentSource | null;
}

const BASE_COLUMNS = `d.id, d.seq::text AS seq, d.service_id AS "serviceId", d.status, d.source,
  d.image_url AS "imageUrl", d.commit_sha AS "commitSha", d.commit_message AS "commitMessage", d.port, d.replicas,
  d.cpu_limit AS "cpuLimit", d.memory_limit AS "memoryLimit", d.rollback_from_id AS "rollbackFromId",
  d.reverts_deployment_id AS "revertsDeploymentId", d.warning,
  d.created_by_id AS "createdById", d.actor, d.manifests_commit_sha AS "manifestsCommitSha",
  d.status_message AS "statusMessage", d.reason, d.idempotency_key AS "idempotencyKey",
  d.created_at AS "createdAt", d.started_at AS "startedAt", d.finished_at AS "finishedAt",
  d.bad_reason AS "badReason", d.marked_bad_at AS "markedBadAt", d.marked_bad_by AS "markedBadBy",
  d.rollback_only AS "rollbackOnly", d.via, d.hold_overridden AS "holdOverridden"`;
const DEPLOYMENT_COLUMNS = `${BASE_COLUMNS},
  (SELECT r.source FROM deployments r WHERE r.id = d.reverts_deployment_id) AS "revertsSource"`;
// Rows Kubidu's API inserts never revert anything.
const RETURNING = `${BASE_COLUMNS.replace(/\bd\./g, '')}, NULL::text AS "revertsSource"`;

/** What a deploy request carries (already schema-validated). */
export interface DeployInput {
  image: string;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  port?: number;
  replicas?: number;
  cpuLimit?: string;
  memoryLimit?: string;
  commitSha?: string;
  commitMessage?: string;
  reason?: string;
  /** Deploy even though a rollback holds deploys of this service (the hold stays). */
  override?: boolean;
}

/** How a rollback was asked for. */
export interface RollbackInput {
  reason?: string;
  only?: RollbackOnly;
}

/** A write's outcome: the row, and whether it was an idempotent replay of an earlier request. */
export interface QueuedDeployment {
  deployment: DeploymentView;
  replayed: boolean;
}

/** The API view of a row: ISO dates, plus the two flags the history needs. */
export function toDeploymentView(r: DeploymentRow, currentId: string | null): DeploymentView {
  const isCurrent = r.id === currentId;
  return {
    id: r.id,
    serviceId: r.serviceId,
    status: r.status,
    source: r.source,
    imageUrl: r.imageUrl,
    commitSha: r.commitSha,
    commitMessage: r.commitMessage,
    port: r.port,
    replicas: r.replicas,
    cpuLimit: r.cpuLimit,
    memoryLimit: r.memoryLimit,
    rollbackFromId: r.rollbackFromId,
    revertsDeploymentId: r.revertsDeploymentId,
    warning: r.warning,
    createdById: r.createdById,
    actor: r.actor,
    manifestsCommitSha: r.manifestsCommitSha,
    statusMessage: r.statusMessage,
    reason: r.reason,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    isCurrent,
    canRollback: canRollback({ status: r.status, isCurrent, markedBad: r.markedBadAt !== null }),
    bad: r.markedBadAt ? { reason: r.badReason ?? '', by: r.markedBadBy ?? '', at: r.markedBadAt.toISOString() } : null,
    rollbackOnly: r.rollbackOnly,
    via: r.via,
    door: doorOf(r),
    holdOverridden: r.holdOverridden,
    revertsSource: r.revertsSource,
  };
}

/** The door a row came through, as every client labels it. */
export function doorOf(r: Pick<DeploymentRow, 'source' | 'via'>): DeploymentView['door'] {
  if (r.source === 'GIT') return 'git';
  if (r.source === 'ROLLBACK') return 'rollback';
  return r.via ?? 'api';
}

interface HoldRow {
  serviceId: string;
  rollbackId: string;
  heldBy: string;
  reason: string | null;
  createdAt: Date;
}
const HOLD_COLUMNS = `service_id AS "serviceId", rollback_id AS "rollbackId", held_by AS "heldBy", reason, created_at AS "createdAt"`;
const holdView = (h: HoldRow): DeployHoldView => ({ ...h, createdAt: h.createdAt.toISOString() });

/** `0123abcd4567` → `0123abcd-4567`: the dashed form `id::text` has, for LIKE. */
export function normalizeIdPrefix(prefix: string): string {
  const hex = prefix.toLowerCase().replace(/-/g, '');
  const cuts = [8, 12, 16, 20];
  let out = '';
  for (let i = 0; i < hex.length; i++) {
    if (cuts.includes(i)) out += '-';
    out += hex[i];
  }
  return out;
}

/** DeploymentService's collaborators (the audit writer is the transaction-test seam). */
export interface DeploymentServiceDeps {
  ds: DataSource;
  secretBox: SecretBox;
  audit: AuditWriter;
  wakeController?: () => void;
}

/** Deploys, rollbacks and deployment history. */
export class DeploymentService {
  constructor(private readonly deps: DeploymentServiceDeps) {}

  /** The service's current deployment: its newest RUNNING row. */
  async currentId(em: EntityManager, serviceId: string): Promise<string | null> {
    const [row] = await em.query(
      `SELECT id FROM deployments WHERE service_id = $1 AND status = 'RUNNING' ORDER BY seq DESC LIMIT 1`,
      [serviceId],
    );
    return row?.id ?? null;
  }

  /** Queues a deploy of `input.image` (202). One transaction with its env rows and audit row. */
  async deploy(user: AuthUser, serviceId: string, input: DeployInput, idempotencyKey?: string, via: ClientName = 'api'): Promise<QueuedDeployment> {
    const env = input.env ?? {};
    const secrets = input.secrets ?? {};
    for (const key of Object.keys(secrets)) {
      if (Object.hasOwn(env, key)) throw new ValidationError(`body/secrets/${key} is also given in body/env; a key is either plain or secret`);
    }
    const keyCount = Object.keys(env).length + Object.keys(secrets).length;
    if (keyCount > MAX_ENV_KEYS) throw new ValidationError(`body/env and body/secrets together must have at most ${MAX_ENV_KEYS} keys`);

    const result = await this.writeIdempotently(async (em) => {
      // Locked so a rollback (which sets the hold under the same lock) and this deploy serialize.
      const service = await ownedService(em, user.id, serviceId, { lock: true });
      if (idempotencyKey !== undefined) {
        const existing = await this.byIdempotencyKey(em, user.id, idempotencyKey);
        if (existing) {
          if (existing.source !== 'API' || existing.serviceId !== serviceId) throw idempotencyConflict();
          return { row: existing, replayed: true };
        }
      }
      const hold = await this.holdOf(em, serviceId);
      if (hold && !input.override) throw new DeployHeldError(holdView(hold), serviceId);
      await this.assertImageNotBad(em, serviceId, input.image);
      const [row]: DeploymentRow[] = await em.query(
        `INSERT INTO deployments (service_id, status, source, image_url, commit_sha, commit_message, port, replicas,
                                  cpu_limit, memory_limit, created_by_id, actor, reason, idempotency_key, via, hold_overridden)
         VALUES ($1, 'QUEUED', 'API', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${RETURNING}`,
        [
          serviceId,
          input.image,
          input.commitSha ?? null,
          input.commitMessage ?? null,
          input.port ?? service.port,
          input.replicas ?? 1,
          input.cpuLimit ?? null,
          input.memoryLimit ?? null,
          user.id,
          user.email,
          input.reason ?? null,
          idempotencyKey ?? null,
          via,
          hold !== null,
        ],
      );
      await this.insertEnv(em, row.id, env, secrets);
      if (hold) {
        await this.deps.audit.append(em, {
          actorId: user.id,
          actor: user.email,
          action: 'DEPLOY_HOLD_OVERRIDDEN',
          projectId: service.project_id,
          serviceId,
          deploymentId: row.id,
          data: { rollbackId: hold.rollbackId, heldBy: hold.heldBy, imageUrl: input.image, reason: input.reason ?? null, via },
        });
      }
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: 'DEPLOYMENT_CREATED',
        projectId: service.project_id,
        serviceId,
        deploymentId: row.id,
        data: {
          imageUrl: input.image,
          envKeys: Object.keys(env).sort(),
          secretKeys: Object.keys(secrets).sort(),
          reason: input.reason ?? null,
        },
      });
      return { row, replayed: false };
    });
    return this.finish(result);
  }

  /**
   * Queues a rollback to `targetId` (issue 2, "Rollback semantics"). One
   * transaction: 404 → 403 → (idempotent replay) → 400 → 409 → (same target
   * still QUEUED: replay) → new row + env copied as stored + audit row. The
   * service row is locked FOR UPDATE so concurrent clicks serialize.
   */
  async rollback(user: AuthUser, targetId: string, input: RollbackInput = {}, idempotencyKey?: string, via: ClientName = 'api'): Promise<QueuedDeployment> {
    const { reason, only } = input;
    const result = await this.writeIdempotently(async (em) => {
      const target = await this.ownedDeployment(em, user, targetId);
      const service = await ownedService(em, user.id, target.serviceId, { lock: true });
      if (idempotencyKey !== undefined) {
        const existing = await this.byIdempotencyKey(em, user.id, idempotencyKey);
        if (existing) {
          if (existing.source !== 'ROLLBACK' || existing.rollbackFromId !== targetId || existing.rollbackOnly !== (only ?? null)) {
            throw idempotencyConflict();
          }
          return { row: existing, replayed: true };
        }
      }
      // Re-read under the service lock: the controller may have moved it meanwhile.
      const fresh = (await this.byId(em, targetId))!;
      if (!ROLLBACKABLE_STATUSES.includes(fresh.status)) throw new RollbackTargetInvalidError(fresh.status);
      if (fresh.markedBadAt) throw new RollbackTargetBadError(fresh.badReason ?? '');
      const currentId = await this.currentId(em, target.serviceId);
      if (currentId === targetId) throw new RollbackTargetCurrentError();
      const current = currentId ? await this.byId(em, currentId) : null;
      if (only && !current) throw new NoCurrentDeploymentError(only);
      const [pending]: DeploymentRow[] = await em.query(
        `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d
          WHERE d.service_id = $1 AND d.rollback_from_id = $2 AND d.source = 'ROLLBACK' AND d.status = 'QUEUED'
            AND d.rollback_only IS NOT DISTINCT FROM $3
          ORDER BY d.seq DESC LIMIT 1`,
        [target.serviceId, targetId, only ?? null],
      );
      if (pending) return { row: pending, replayed: true };

      // image-only keeps the current env and settings; config-only keeps the current image.
      const imageFrom = only === 'config' ? current! : fresh;
      const configFrom = only === 'image' ? current! : fresh;
      await this.assertImageNotBad(em, target.serviceId, imageFrom.imageUrl);
      const [row]: DeploymentRow[] = await em.query(
        `INSERT INTO deployments (service_id, status, source, image_url, commit_sha, commit_message, port, replicas,
                                  cpu_limit, memory_limit, rollback_from_id, created_by_id, actor, reason, idempotency_key,
                                  rollback_only, via)
         VALUES ($1, 'QUEUED', 'ROLLBACK', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         RETURNING ${RETURNING}`,
        [
          target.serviceId,
          imageFrom.imageUrl,
          imageFrom.commitSha,
          `Rollback to ${targetId.slice(0, 8)}${only ? ` (${only} only)` : ''}`,
          configFrom.port,
          configFrom.replicas,
          configFrom.cpuLimit,
          configFrom.memoryLimit,
          targetId,
          user.id,
          user.email,
          reason ?? null,
          idempotencyKey ?? null,
          only ?? null,
          via,
        ],
      );
      await em.query(
        `INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret)
         SELECT $1, key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $2`,
        [row.id, configFrom.id],
      );
      const [previous]: HoldRow[] = await em.query(`SELECT ${HOLD_COLUMNS} FROM deploy_holds WHERE service_id = $1`, [target.serviceId]);
      await em.query(
        `INSERT INTO deploy_holds (service_id, rollback_id, held_by_id, held_by, reason) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (service_id) DO UPDATE
           SET rollback_id = EXCLUDED.rollback_id, held_by_id = EXCLUDED.held_by_id, held_by = EXCLUDED.held_by,
               reason = EXCLUDED.reason, created_at = now()`,
        [target.serviceId, row.id, user.id, user.email, reason ?? null],
      );
      // The hold's audit row goes first so the rollback's own row is the newest of the two.
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: 'DEPLOY_HOLD_SET',
        projectId: service.project_id,
        serviceId: target.serviceId,
        deploymentId: row.id,
        data: { rollbackId: row.id, targetId, reason: reason ?? null, previousRollbackId: previous?.rollbackId ?? null },
      });
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: 'DEPLOYMENT_ROLLBACK',
        projectId: service.project_id,
        serviceId: target.serviceId,
        deploymentId: row.id,
        data: { targetId, serviceId: target.serviceId, reason: reason ?? null, ...(only ? { only } : {}) },
      });
      return { row, replayed: false };
    });
    return this.finish(result);
  }

  /** One page of a service's history, newest first, with isCurrent/canRollback from one extra indexed query. */
  async list(
    user: AuthUser,
    serviceId: string,
    q: { limit: number; cursor?: string; idPrefix?: string },
  ): Promise<{ items: DeploymentView[]; nextCursor: string | null; hold: DeployHoldView | null }> {
    const em = this.deps.ds.manager;
    await ownedService(em, user.id, serviceId);
    const params: unknown[] = [serviceId];
    const where = ['d.service_id = $1'];
    if (q.cursor !== undefined) {
      const seq = decodeCursor(q.cursor);
      if (!seq) throw new ValidationError('querystring/cursor is not a valid cursor');
      params.push(seq);
      where.push(`d.seq < $${params.length}`);
    }
    if (q.idPrefix !== undefined) {
      params.push(normalizeIdPrefix(q.idPrefix) + '%');
      where.push(`d.id::text LIKE $${params.length}`);
    }
    params.push(q.limit + 1);
    const rows: DeploymentRow[] = await em.query(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE ${where.join(' AND ')} ORDER BY d.seq DESC LIMIT $${params.length}`,
      params,
    );
    const currentId = await this.currentId(em, serviceId);
    const hold = await this.holdOf(em, serviceId);
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => toDeploymentView(r, currentId)),
      nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].seq) : null,
      hold: hold ? holdView(hold) : null,
    };
  }

  /**
   * Releases the service's deploy hold (a person decided the rollback may be
   * superseded). 409 `DEPLOY_NOT_HELD` when there is none. Audited.
   */
  async release(user: AuthUser, serviceId: string): Promise<{ released: DeployHoldView }> {
    return this.deps.ds.transaction(async (em) => {
      const service = await ownedService(em, user.id, serviceId, { lock: true });
      const [gone]: HoldRow[] = await em.query(
        `WITH g AS (DELETE FROM deploy_holds WHERE service_id = $1 RETURNING *) SELECT ${HOLD_COLUMNS} FROM g`,
        [serviceId],
      );
      if (!gone) throw new NotHeldError();
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: 'DEPLOY_HOLD_RELEASED',
        projectId: service.project_id,
        serviceId,
        deploymentId: gone.rollbackId,
        data: { rollbackId: gone.rollbackId, heldBy: gone.heldBy, heldSince: gone.createdAt.toISOString() },
      });
      return { released: holdView(gone) };
    });
  }

  /**
   * Marks a deployment bad (or replaces the reason of an existing mark): it stops
   * being a rollback target and its exact image stops being deployable. Audited.
   */
  async markBad(user: AuthUser, id: string, reason: string): Promise<DeploymentView> {
    return this.deps.ds.transaction(async (em) => {
      const target = await this.ownedDeployment(em, user, id);
      const service = await ownedService(em, user.id, target.serviceId, { lock: true });
      await em.query(
        `WITH u AS (UPDATE deployments SET bad_reason = $2, marked_bad_at = now(), marked_bad_by = $3 WHERE id = $1 RETURNING id)
         SELECT id FROM u`,
        [id, reason, user.email],
      );
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: 'DEPLOYMENT_MARKED_BAD',
        projectId: service.project_id,
        serviceId: target.serviceId,
        deploymentId: id,
        data: { reason, imageUrl: target.imageUrl, previousReason: target.badReason },
      });
      return toDeploymentView((await this.byId(em, id))!, await this.currentId(em, target.serviceId));
    });
  }

  /** Removes a bad mark (409 `DEPLOYMENT_NOT_BAD` when there is none). Audited with the reason it had. */
  async unmarkBad(user: AuthUser, id: string): Promise<DeploymentView> {
    return this.deps.ds.transaction(async (em) => {
      const target = await this.ownedDeployment(em, user, id);
      const service = await ownedService(em, user.id, target.serviceId, { lock: true });
      const [row] = await em.query(`SELECT bad_reason, marked_bad_at FROM deployments WHERE id = $1`, [id]);
      if (!row.marked_bad_at) throw new NotMarkedBadError();
      await em.query(
        `WITH u AS (UPDATE deployments SET bad_reason = NULL, marked_bad_at = NULL, marked_bad_by = NULL WHERE id = $1 RETURNING id)
         SELECT id FROM u`,
        [id],
      );
      await this.deps.audit.append(em, {
        actorId: user.id,
        actor: user.email,
        action: 'DEPLOYMENT_UNMARKED_BAD',
        projectId: service.project_id,
        serviceId: target.serviceId,
        deploymentId: id,
        data: { reason: row.bad_reason, imageUrl: target.imageUrl },
      });
      return toDeploymentView((await this.byId(em, id))!, await this.currentId(em, target.serviceId));
    });
  }

  private async holdOf(em: EntityManager, serviceId: string): Promise<HoldRow | null> {
    const [h]: HoldRow[] = await em.query(`SELECT ${HOLD_COLUMNS} FROM deploy_holds WHERE service_id = $1`, [serviceId]);
    return h ?? null;
  }

  /** 409 `IMAGE_MARKED_BAD` when `image` is exactly the image of a deployment of this service marked bad. */
  private async assertImageNotBad(em: EntityManager, serviceId: string, image: string): Promise<void> {
    const [bad] = await em.query(
      `SELECT id, bad_reason FROM deployments WHERE service_id = $1 AND image_url = $2 AND marked_bad_at IS NOT NULL ORDER BY seq DESC LIMIT 1`,
      [serviceId, image],
    );
    if (bad) throw new ImageMarkedBadError(bad.id, bad.bad_reason ?? '');
  }

  /** 404/403 unless the caller owns the service (the event stream checks once, at connect). */
  async assertServiceAccess(user: AuthUser, serviceId: string): Promise<void> {
    await ownedService(this.deps.ds.manager, user.id, serviceId);
  }

  /** The newest rows of a service and its hold, for the event stream (ownership is checked by the caller). */
  async recent(serviceId: string, limit = 50): Promise<{ rows: DeploymentView[]; hold: DeployHoldView | null }> {
    const em = this.deps.ds.manager;
    const rows: DeploymentRow[] = await em.query(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.service_id = $1 ORDER BY d.seq DESC LIMIT $2`,
      [serviceId, limit],
    );
    const currentId = await this.currentId(em, serviceId);
    const hold = await this.holdOf(em, serviceId);
    return { rows: rows.map((r) => toDeploymentView(r, currentId)), hold: hold ? holdView(hold) : null };
  }

  /** One deployment with its env: plain values decrypted, secret values always null. */
  async get(user: AuthUser, id: string): Promise<DeploymentDetail> {
    const em = this.deps.ds.manager;
    const row = await this.ownedDeployment(em, user, id);
    const currentId = await this.currentId(em, row.serviceId);
    const env = await this.envOf(em, id);
    return {
      ...toDeploymentView(row, currentId),
      env: env.map((e) => ({
        key: e.key,
        isSecret: e.is_secret,
        value: e.is_secret ? null : this.deps.secretBox.open({ valueEncrypted: e.value_encrypted, valueIv: e.value_iv }),
      })),
    };
  }

  /** What a rollback to `id` would change against the service's current deployment. */
  async diff(user: AuthUser, id: string, only?: RollbackOnly): Promise<DeploymentDiff> {
    const em = this.deps.ds.manager;
    const target = await this.ownedDeployment(em, user, id);
    const currentId = await this.currentId(em, target.serviceId);
    const current = currentId ? await this.byId(em, currentId) : null;
    const fields: DeploymentDiff['fields'] = [];
    const pairs: [DeploymentDiff['fields'][number]['field'], string | number | null, string | number | null][] = [
      ['image', current?.imageUrl ?? null, target.imageUrl],
      ['port', current?.port ?? null, target.port],
      ['replicas', current?.replicas ?? null, target.replicas],
      ['cpuLimit', current?.cpuLimit ?? null, target.cpuLimit],
      ['memoryLimit', current?.memoryLimit ?? null, target.memoryLimit],
    ];
    for (const [field, from, to] of pairs) {
      // image-only keeps the current settings; config-only keeps the current image.
      if (only === 'image' && field !== 'image') continue;
      if (only === 'config' && field === 'image') continue;
      if (from !== to) fields.push({ field, from, to });
    }

    const open = (e: EnvRow) => this.deps.secretBox.open({ valueEncrypted: e.value_encrypted, valueIv: e.value_iv });
    const toMap = (rows: EnvRow[]) => new Map(rows.map((e) => [e.key, { isSecret: e.is_secret, value: open(e) }]));
    const from = toMap(current ? await this.envOf(em, current.id) : []);
    const to = toMap(await this.envOf(em, id));
    const env: DeploymentDiff['env'] = { added: [], removed: [], changed: [] };
    if (only === 'image') return { targetId: id, currentId, only, fields, env };
    for (const [key, t] of to) {
      const f = from.get(key);
      if (!f) env.added.push({ key, isSecret: t.isSecret });
      else if (f.value !== t.value || f.isSecret !== t.isSecret) env.changed.push({ key, isSecret: t.isSecret || f.isSecret });
    }
    for (const [key, f] of from) if (!to.has(key)) env.removed.push({ key, isSecret: f.isSecret });
    return { targetId: id, currentId, only: only ?? null, fields, env };
  }

  /** After commit: wake the controller for a new row; a replayed row gets its flags fresh. */
  private async finish(result: { row: DeploymentRow; replayed: boolean }): Promise<QueuedDeployment> {
    if (!result.replayed) {
      this.deps.wakeController?.();
      return { deployment: toDeploymentView(result.row, null), replayed: false };
    }
    const currentId = await this.currentId(this.deps.ds.manager, result.row.serviceId);
    const fresh = (await this.byId(this.deps.ds.manager, result.row.id)) ?? result.row;
    return { deployment: toDeploymentView(fresh, currentId), replayed: true };
  }

  private async insertEnv(em: EntityManager, deploymentId: string, env: Record<string, string>, secrets: Record<string, string>) {
    const entries = [
      ...Object.entries(env).map(([k, v]) => [k, v, false] as const),
      ...Object.entries(secrets).map(([k, v]) => [k, v, true] as const),
    ];
    if (entries.length === 0) return;
    const params: unknown[] = [deploymentId];
    const values = entries.map(([key, value, isSecret]) => {
      const sealed = this.deps.secretBox.seal(value);
      params.push(key, sealed.valueEncrypted, sealed.valueIv, isSecret);
      const n = params.length;
      return `($1, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await em.query(
      `INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret) VALUES ${values.join(', ')}`,
      params,
    );
  }

  private async envOf(em: EntityManager, deploymentId: string): Promise<EnvRow[]> {
    return em.query(
      `SELECT key, value_encrypted, value_iv, is_secret FROM environment_variables WHERE deployment_id = $1 ORDER BY key`,
      [deploymentId],
    );
  }

  private async byId(em: EntityManager, id: string): Promise<DeploymentRow | null> {
    const [row] = await em.query(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.id = $1`, [id]);
    return row ?? null;
  }

  private async byIdempotencyKey(em: EntityManager, userId: string, key: string): Promise<DeploymentRow | null> {
    const [row] = await em.query(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.created_by_id = $1 AND d.idempotency_key = $2`,
      [userId, key],
    );
    return row ?? null;
  }

  /** The deployment if the caller owns its project: 404 when absent, 403 when someone else's. */
  private async ownedDeployment(em: EntityManager, user: AuthUser, id: string): Promise<DeploymentRow> {
    const [row]: (DeploymentRow & { ownerId: string })[] = await em.query(
      `SELECT ${DEPLOYMENT_COLUMNS}, p.owner_id AS "ownerId"
         FROM deployments d JOIN services s ON s.id = d.service_id JOIN projects p ON p.id = s.project_id
        WHERE d.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError('DEPLOYMENT_NOT_FOUND', 'Deployment not found');
    if (row.ownerId !== user.id) throw new ForbiddenError('This deployment belongs to another user');
    return row;
  }

  /**
   * Runs a write transaction; a unique violation on the idempotency index (two
   * requests with one key racing on different services) becomes a 409.
   */
  private async writeIdempotently<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.deps.ds.transaction(work);
    } catch (err) {
      if (pgCode(err) === '23505' && pgConstraint(err) === 'deployments_idempotency_idx') throw idempotencyConflict();
      throw err;
    }
  }
}

interface EnvRow {
  key: string;
  value_encrypted: string;
  value_iv: string;
  is_secret: boolean;
}

function idempotencyConflict() {
  return new ConflictError('This Idempotency-Key was already used for a different request', { header: 'idempotency-key' });
}
