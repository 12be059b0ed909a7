/**
 * A deployment's neighbours for the web's deployment page: the row before it and
 * what changed since (secret values compared, never returned), the rollbacks that
 * restored it, and the rollback that moved the service away from it. Reads only;
 * the access check is the caller's.
 */
import type { EntityManager } from 'typeorm';
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from '@kubidu/core/domain/deployment-rows';
import type { DeploymentRelations } from '@kubidu/core/contract/deployment-relations';
import { diffDeployments, type OpenedEnv } from './deployment-diff.js';
import { toDeploymentView } from './deployment-views.js';

/** How many later rows are looked at for the rollback that replaced a deployment. */
const LOOK_AHEAD = 100;

/**
 * The rollback that moved the service away from `row` (pure): walking the later rows
 * oldest first, the first ROLLBACK to another deployment — unless a plain deploy went
 * live first (then `row` was superseded, not rolled back) or a rollback restored `row`.
 */
export function rolledBackBy(row: Pick<DeploymentRow, 'id'>, later: Pick<DeploymentRow, 'source' | 'status' | 'rollbackFromId'>[]): number | null {
  for (let i = 0; i < later.length; i++) {
    const r = later[i];
    if (r.source === 'ROLLBACK') return r.rollbackFromId === row.id ? null : i;
    if (r.status === 'RUNNING' || r.status === 'SUCCESS') return null;
  }
  return null;
}

/** The relations of `row` in its service's history; `openEnv` decrypts a deployment's env for the comparison. */
export async function deploymentRelations(
  em: EntityManager,
  row: DeploymentRow,
  currentId: string | null,
  openEnv: (deploymentId: string) => Promise<OpenedEnv[]>,
): Promise<DeploymentRelations> {
  const [previous]: DeploymentRow[] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.service_id = $1 AND d.seq < $2 ORDER BY d.seq DESC LIMIT 1`,
    [row.serviceId, row.seq],
  );
  const later: DeploymentRow[] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.service_id = $1 AND d.seq > $2 ORDER BY d.seq ASC LIMIT $3`,
    [row.serviceId, row.seq, LOOK_AHEAD],
  );
  const rollbacksTo: DeploymentRow[] = await em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.service_id = $1 AND d.rollback_from_id = $2 ORDER BY d.seq DESC LIMIT 50`,
    [row.serviceId, row.id],
  );
  const by = rolledBackBy(row, later);
  const changes = previous
    ? diffDeployments(row, previous, { target: await openEnv(row.id), current: await openEnv(previous.id) })
    : null;
  return {
    previous: previous ? toDeploymentView(previous, currentId) : null,
    changes,
    rollbacksTo: rollbacksTo.map((r) => toDeploymentView(r, currentId)),
    rolledBackBy: by === null ? null : toDeploymentView(later[by], currentId),
  };
}
