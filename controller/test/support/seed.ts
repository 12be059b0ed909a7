/**
 * Seeds users, projects, services and deployment rows straight into a test
 * database, for controller tests that need rows to claim without the API.
 */
import type { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';

export async function seedService(ds: DataSource, opts: { project?: string; service?: string; email?: string } = {}) {
  const email = opts.email ?? `u-${randomBytes(4).toString('hex')}@example.com`;
  const [{ id: userId }] = await ds.query(`INSERT INTO users(email, password_hash) VALUES ($1, 'x') RETURNING id`, [email]);
  const slug = opts.project ?? `p-${randomBytes(3).toString('hex')}`;
  const [{ id: projectId }] = await ds.query(
    `INSERT INTO projects(name, slug, owner_id) VALUES ($1, $1, $2) RETURNING id`,
    [slug, userId],
  );
  const name = opts.service ?? 'web';
  const [{ id: serviceId }] = await ds.query(
    `INSERT INTO services(project_id, name, port) VALUES ($1, $2, 8080) RETURNING id`,
    [projectId, name],
  );
  return { userId, email, projectId, projectSlug: slug, serviceId, serviceName: name };
}

export async function seedDeployment(
  ds: DataSource,
  serviceId: string,
  opts: {
    image?: string;
    status?: string;
    actor?: string;
    rollbackFromId?: string;
    env?: Record<string, string>;
    secrets?: Record<string, string>;
    box?: SecretBox;
    reason?: string;
  } = {},
): Promise<string> {
  // One transaction, as the API does: the controller must never see a row without its env.
  return ds.transaction(async (m) => {
  const [{ id }] = await m.query(
    `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, rollback_from_id, reason)
     VALUES ($1, $2, $3, $4, 8080, 1, $5, $6, $7) RETURNING id`,
    [
      serviceId,
      opts.status ?? 'QUEUED',
      opts.rollbackFromId ? 'ROLLBACK' : 'API',
      opts.image ?? 'ghcr.io/acme/web:1.0.0',
      opts.actor ?? 'dev@example.com',
      opts.rollbackFromId ?? null,
      opts.reason ?? null,
    ],
  );
  const rows = [
    ...Object.entries(opts.env ?? {}).map(([k, v]) => [k, v, false] as const),
    ...Object.entries(opts.secrets ?? {}).map(([k, v]) => [k, v, true] as const),
  ];
  for (const [k, v, isSecret] of rows) {
    if (!opts.box) throw new Error('seedDeployment: env needs a SecretBox');
    const s = opts.box.seal(v);
    await m.query(
      `INSERT INTO environment_variables(deployment_id, key, value_encrypted, value_iv, is_secret) VALUES ($1,$2,$3,$4,$5)`,
      [id, k, s.valueEncrypted, s.valueIv, isSecret],
    );
  }
  return id as string;
  });
}

/**
 * Project `project` with services `names`, each with 1.0.0 live two hours ago (SUCCESS) and
 * 2.0.0 live an hour ago (RUNNING), and a release rollback of `services` (default: all) to
 * the 1.0.0 moment, queued as the API queues one (core's createReleaseRollback).
 */
export async function seedRelease(
  ds: DataSource,
  box: SecretBox,
  opts: { project: string; names: string[]; services?: string[]; projectId?: string },
): Promise<{ projectId: string; releaseId: string; serviceIds: Record<string, string> }> {
  const { createReleaseRollback } = await import('@kubidu/core/domain/releases');
  const { auditWriter } = await import('@kubidu/core/domain/audit');
  const projectId = opts.projectId ?? (await seedService(ds, { project: opts.project, service: `${opts.names[0]}-seed` })).projectId;
  if (!opts.projectId) await ds.query(`DELETE FROM services WHERE project_id = $1`, [projectId]);
  const serviceIds: Record<string, string> = {};
  for (const name of opts.names) serviceIds[name] = await seedServiceHistory(ds, projectId, name);
  const rel = await ds.transaction((em) =>
    createReleaseRollback(em, { audit: auditWriter, secretBox: box }, {
      projectId,
      services: opts.services,
      at: new Date(Date.now() - 90 * 60_000),
      reason: 'back to 1.0.0',
      actor: { id: null, name: 'oncall@example.com' },
      via: null,
    }),
  );
  return { projectId, releaseId: rel.releaseId, serviceIds };
}

/** A service of `projectId` with 1.0.0 live two hours ago (SUCCESS) and 2.0.0 live an hour ago (RUNNING). */
export async function seedServiceHistory(ds: DataSource, projectId: string, name: string): Promise<string> {
  const [{ id }] = await ds.query(`INSERT INTO services(project_id, name, port) VALUES ($1, $2, 8080) RETURNING id`, [projectId, name]);
  for (const [status, tag, ago] of [['SUCCESS', '1.0.0', '2 hours'], ['RUNNING', '2.0.0', '1 hour']]) {
    await ds.query(
      `INSERT INTO deployments(service_id, status, source, image_url, port, replicas, actor, finished_at)
       VALUES ($1, $2, 'API', $3, 8080, 1, 'seed@example.com', now() - $4::interval)`,
      [id, status, `ghcr.io/acme/${name}:${tag}`, ago],
    );
  }
  return id;
}
