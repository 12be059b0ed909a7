/**
 * The API's reads of deployments (history pages). The access check lives in
 * api/src/modules/access; TypeORM stays here; the writes go through the
 * core domain functions, shared with the git door and the controller.
 */
import type { EntityManager } from 'typeorm';
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from '@kubidu/core/domain/deployment-rows';

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

/** One page of a service's rows, newest first: `limit + 1` rows so the caller knows whether more follow. */
export async function historyPage(
  em: EntityManager,
  serviceId: string,
  q: { limit: number; beforeSeq?: string; idPrefix?: string },
): Promise<DeploymentRow[]> {
  const params: unknown[] = [serviceId];
  const where = ['d.service_id = $1'];
  if (q.beforeSeq !== undefined) {
    params.push(q.beforeSeq);
    where.push(`d.seq < $${params.length}`);
  }
  if (q.idPrefix !== undefined) {
    params.push(normalizeIdPrefix(q.idPrefix) + '%');
    where.push(`d.id::text LIKE $${params.length}`);
  }
  params.push(q.limit + 1);
  return em.query(
    `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE ${where.join(' AND ')} ORDER BY d.seq DESC LIMIT $${params.length}`,
    params,
  );
}
