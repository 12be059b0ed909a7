/**
 * Deployments through the API: queue a deploy or a rollback, release a hold, mark
 * a deployment bad, and read the history, one row with its env, and the diff a
 * rollback would make. The API's part is access (404/403) and shaping answers;
 * the rules of each write live in core's domain functions, which the git door and
 * the controller call too. Each write is one transaction with its audit rows; the
 * controller is woken after commit (the insert trigger NOTIFYs other processes).
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import { ValidationError, pgCode, pgConstraint } from '@kubidu/core/errors';
import { inheritedDeployment } from '@kubidu/core/domain/deploy-config';
import { createEnvChange } from '@kubidu/core/domain/env-changes';
import { auditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { NotHeldError } from '@kubidu/core/domain/deployment-errors';
import { currentDeploymentId, deploymentById, DEPLOYMENT_COLUMNS, type DeploymentRow } from '@kubidu/core/domain/deployment-rows';
import { createDeploy, idempotencyConflict, type CreatedDeployment, type DomainDeps } from '@kubidu/core/domain/deployments';
import { createRollback } from '@kubidu/core/domain/rollbacks';
import { holdOf, releaseHold } from '@kubidu/core/domain/holds';
import { markBad, unmarkBad } from '@kubidu/core/domain/bad-marks';
import { envOfDeployment } from '@kubidu/core/domain/env-rows';
import type { ClientName, RollbackOnly } from '@kubidu/core/domain/vocabulary';
import type { DeployBody, DeployHoldView, DeploymentDetail, DeploymentDiff, DeploymentView, EnvEntry, EnvPatchBody, RollbackBody, ServiceEnv } from '@kubidu/core/contract/deployments';
import type { AuthUser } from '../auth/auth-service.js';
import { deploymentFor, serviceFor } from '../access/permissions.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { historyPage } from './deployment-repository.js';
import { diffDeployments } from './deployment-diff.js';
import { deploymentRelations } from './deployment-relations.js';
import type { DeploymentRelations } from '@kubidu/core/contract/deployment-relations';
import { holdView, toDeploymentView } from './deployment-views.js';

/** What a deploy request carries: the contract's body, already schema-validated; what it leaves out is inherited. */
export type DeployInput = DeployBody;

/** How a rollback was asked for: the contract's (optional) body. */
export type RollbackInput = RollbackBody;

/** A write's outcome: the row, and whether it was an idempotent replay of an earlier request. */
export interface QueuedDeployment {
  deployment: DeploymentView;
  replayed: boolean;
}

/** DeploymentService's collaborators (the audit writer is the transaction-test seam). */
export interface DeploymentServiceDeps {
  ds: DataSource;
  secretBox: SecretBox;
  audit?: AuditWriter;
  wakeController?: () => void;
}

/** Deploys, rollbacks and deployment history. */
export class DeploymentService {
  private readonly domain: DomainDeps;

  constructor(private readonly deps: DeploymentServiceDeps) {
    this.domain = { audit: deps.audit ?? auditWriter, secretBox: deps.secretBox };
  }

  /** Queues a deploy of `input.image` (202). One transaction with its env rows and audit row; core's createDeploy checks the env rules. */
  async deploy(user: AuthUser, serviceId: string, input: DeployInput, idempotencyKey?: string, via: ClientName = 'api'): Promise<QueuedDeployment> {
    return this.writeOnService(user, serviceId, (em, who) => createDeploy(em, this.domain, { ...input, ...who, idempotencyKey, via }));
  }

  /** Queues a deployment of the current image with env set and unset (202), through core's createEnvChange. */
  async changeEnv(user: AuthUser, serviceId: string, input: EnvPatchBody, idempotencyKey?: string, via: ClientName = 'api'): Promise<QueuedDeployment> {
    return this.writeOnService(user, serviceId, (em, who) => createEnvChange(em, this.domain, { ...input, ...who, idempotencyKey, via }));
  }

  /** The env a deploy of the service inherits: its current deployment's, plain values decrypted, secret values null. */
  async env(user: AuthUser, serviceId: string): Promise<ServiceEnv> {
    const em = this.deps.ds.manager;
    await serviceFor(em, user, serviceId, 'read');
    const from = await inheritedDeployment(em, serviceId);
    return { deploymentId: from?.id ?? null, env: from ? await this.openEnv(em, from.id) : [] };
  }

  /** Queues a rollback to `targetId` (404 → 403 here, then core's createRollback: the one rollback rule set). */
  async rollback(user: AuthUser, targetId: string, input: RollbackInput = {}, idempotencyKey?: string, via: ClientName = 'api'): Promise<QueuedDeployment> {
    const result = await this.writeIdempotently(async (em) => {
      await deploymentFor(em, user, targetId, 'rollback');
      return createRollback(em, this.domain, { targetId, actor: { id: user.id, name: user.email }, ...input, idempotencyKey, via });
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
    await serviceFor(em, user, serviceId, 'read');
    let beforeSeq: string | undefined;
    if (q.cursor !== undefined) {
      beforeSeq = decodeCursor(q.cursor) ?? undefined;
      if (!beforeSeq) throw new ValidationError('querystring/cursor is not a valid cursor');
    }
    const rows = await historyPage(em, serviceId, { limit: q.limit, beforeSeq, idPrefix: q.idPrefix });
    const currentId = await currentDeploymentId(em, serviceId);
    const hold = await holdOf(em, serviceId);
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => toDeploymentView(r, currentId)),
      nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].seq) : null,
      hold: hold ? holdView(hold) : null,
    };
  }

  /** Releases the service's deploy hold (a person decided the rollback may be superseded). 409 `DEPLOY_NOT_HELD` when there is none. */
  async release(user: AuthUser, serviceId: string): Promise<{ released: DeployHoldView }> {
    return this.deps.ds.transaction(async (em) => {
      const service = await serviceFor(em, user, serviceId, 'rollback', { lock: true });
      const gone = await releaseHold(em, this.domain.audit, { actorId: user.id, actor: user.email, projectId: service.project_id }, serviceId);
      if (!gone) throw new NotHeldError();
      return { released: holdView(gone) };
    });
  }

  /** Marks a deployment bad (or replaces the reason of an existing mark). Audited. */
  async markBad(user: AuthUser, id: string, reason: string): Promise<DeploymentView> {
    return this.deps.ds.transaction(async (em) => {
      const target = await deploymentFor(em, user, id, 'rollback');
      await serviceFor(em, user, target.serviceId, 'rollback', { lock: true });
      await markBad(em, this.domain.audit, { actorId: user.id, actor: user.email, projectId: target.projectId }, target, reason);
      return this.view(em, id);
    });
  }

  /** Removes a bad mark (409 `DEPLOYMENT_NOT_BAD` when there is none). Audited with the reason it had. */
  async unmarkBad(user: AuthUser, id: string): Promise<DeploymentView> {
    return this.deps.ds.transaction(async (em) => {
      const target = await deploymentFor(em, user, id, 'rollback');
      await serviceFor(em, user, target.serviceId, 'rollback', { lock: true });
      await unmarkBad(em, this.domain.audit, { actorId: user.id, actor: user.email, projectId: target.projectId }, target);
      return this.view(em, id);
    });
  }

  /** 404/403 unless the caller may read the service (the event stream checks at connect and on each poll). */
  async assertServiceAccess(user: AuthUser, serviceId: string): Promise<void> {
    await serviceFor(this.deps.ds.manager, user, serviceId, 'read');
  }

  /** The newest rows of a service and its hold, for the event stream (access is checked by the caller). */
  async recent(serviceId: string, limit = 50): Promise<{ rows: DeploymentView[]; hold: DeployHoldView | null }> {
    const em = this.deps.ds.manager;
    const rows: DeploymentRow[] = await em.query(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.service_id = $1 ORDER BY d.seq DESC LIMIT $2`,
      [serviceId, limit],
    );
    const currentId = await currentDeploymentId(em, serviceId);
    const hold = await holdOf(em, serviceId);
    return { rows: rows.map((r) => toDeploymentView(r, currentId)), hold: hold ? holdView(hold) : null };
  }

  /** One deployment with its env: plain values decrypted, secret values always null. */
  async get(user: AuthUser, id: string): Promise<DeploymentDetail> {
    const em = this.deps.ds.manager;
    const row = await deploymentFor(em, user, id, 'read');
    const currentId = await currentDeploymentId(em, row.serviceId);
    return { ...toDeploymentView(row, currentId), env: await this.openEnv(em, id) };
  }

  /** A deployment's env as the API shows it: plain values decrypted, secret values always null. */
  private async openEnv(em: EntityManager, deploymentId: string): Promise<EnvEntry[]> {
    const env = await envOfDeployment(em, deploymentId);
    return env.map((e) => ({ key: e.key, isSecret: e.isSecret, value: e.isSecret ? null : this.deps.secretBox.open(e) }));
  }

  /** What a rollback to `id` would change against the service's current deployment. */
  async diff(user: AuthUser, id: string, only?: RollbackOnly): Promise<DeploymentDiff> {
    const em = this.deps.ds.manager;
    const target = await deploymentFor(em, user, id, 'read');
    const currentId = await currentDeploymentId(em, target.serviceId);
    const current = currentId ? await deploymentById(em, currentId) : null;
    const opened = async (depId: string) =>
      (await envOfDeployment(em, depId)).map((e) => ({ key: e.key, isSecret: e.isSecret, value: this.deps.secretBox.open(e) }));
    return diffDeployments(target, current, { target: await opened(id), current: current ? await opened(current.id) : [] }, only);
  }

  /** The deployment page's neighbours: the row before and what changed since, the rollbacks to it, the rollback away from it. */
  async relations(user: AuthUser, id: string): Promise<DeploymentRelations> {
    const em = this.deps.ds.manager;
    const row = await deploymentFor(em, user, id, 'read');
    const currentId = await currentDeploymentId(em, row.serviceId);
    const opened = async (depId: string) =>
      (await envOfDeployment(em, depId)).map((e) => ({ key: e.key, isSecret: e.isSecret, value: this.deps.secretBox.open(e) }));
    return deploymentRelations(em, row, currentId, opened);
  }

  private async view(em: EntityManager, id: string): Promise<DeploymentView> {
    const row = (await deploymentById(em, id))!;
    return toDeploymentView(row, await currentDeploymentId(em, row.serviceId));
  }

  /**
   * A write that makes a deployment of one service: the service locked FOR UPDATE (a rollback sets
   * its hold under the same lock, so they serialize) after the 404/403 check, one transaction, then
   * the controller woken.
   */
  private async writeOnService(
    user: AuthUser,
    serviceId: string,
    write: (
      em: EntityManager,
      who: { service: { id: string; projectId: string; port: number }; actor: { id: string; name: string } },
    ) => Promise<CreatedDeployment>,
  ): Promise<QueuedDeployment> {
    const result = await this.writeIdempotently(async (em) => {
      const service = await serviceFor(em, user, serviceId, 'deploy', { lock: true });
      return write(em, { service: { id: service.id, projectId: service.project_id, port: service.port }, actor: { id: user.id, name: user.email } });
    });
    return this.finish(result);
  }

  /** After commit: wake the controller for a new row; a replayed row gets its flags fresh. */
  private async finish(result: CreatedDeployment): Promise<QueuedDeployment> {
    if (!result.replayed) {
      this.deps.wakeController?.();
      return { deployment: toDeploymentView(result.row, null), replayed: false };
    }
    return { deployment: await this.view(this.deps.ds.manager, result.row.id), replayed: true };
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
