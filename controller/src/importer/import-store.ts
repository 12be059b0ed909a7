/**
 * The git door's reads and its bookmark: which service a folder is, which earlier
 * deployment a revert undid or a secret reference names, and how far this branch
 * has been imported. Rows are written by apply-import.ts through core's domain
 * functions; this module only reads and moves the bookmark.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import { envOfDeployments, type SealedEnvRow } from '@kubidu/core/domain/env-rows';
import { secretNameFor } from '../manifests/secret-name.js';
import type { NamedDeployment, RestoreCandidate } from './plan-import.js';

/** A service as the git door finds it from its folder `apps/<project>/<service>/`. */
export interface ImportService {
  id: string;
  projectId: string;
  name: string;
  port: number;
}

/** Another replica advanced the bookmark under us: stop this run, theirs continues. */
export class BookmarkMovedError extends Error {
  readonly code = 'IMPORT_BOOKMARK_MOVED';
}

/** The importer's SQL, for one branch. */
export function createImportStore(ds: DataSource, secretBox: SecretBox, branch: string) {
  function secretNameOf(serviceName: string, env: SealedEnvRow[]): string | null {
    const secret: Record<string, string> = {};
    for (const e of env) if (e.isSecret) secret[e.key] = secretBox.open(e);
    return Object.keys(secret).length ? secretNameFor(serviceName, secretBox.fingerprint(secret)) : null;
  }

  return {
    async readBookmark(): Promise<{ lastSha: string | null; failingSha: string | null; failures: number }> {
      await ds.query(`INSERT INTO manifests_import_state (branch) VALUES ($1) ON CONFLICT (branch) DO NOTHING`, [branch]);
      const [r] = await ds.query(`SELECT last_sha, failing_sha, failures FROM manifests_import_state WHERE branch = $1`, [branch]);
      return { lastSha: r.last_sha, failingSha: r.failing_sha, failures: r.failures };
    },

    /** Moves the bookmark from `from` to `to` inside `m`'s transaction, or throws BookmarkMovedError. */
    async advance(m: EntityManager | DataSource, from: string | null, to: string): Promise<void> {
      // A CTE, because TypeORM answers a bare UPDATE … RETURNING with [rows, count] rather than rows.
      const [{ n }] = await m.query(
        `WITH u AS (UPDATE manifests_import_state SET last_sha = $2, failing_sha = NULL, failures = 0, updated_at = now()
         WHERE branch = $1 AND last_sha IS NOT DISTINCT FROM $3 RETURNING 1) SELECT count(*)::int AS n FROM u`,
        [branch, to, from],
      );
      if (n !== 1) throw new BookmarkMovedError(`the import bookmark of ${branch} moved (another replica is importing)`);
    },

    /** Counts one more unexpected failure on `sha`; answers the count so far. */
    async countFailure(sha: string): Promise<number> {
      const [r] = await ds.query(
        `WITH u AS (UPDATE manifests_import_state
           SET failures = CASE WHEN failing_sha = $2 THEN failures + 1 ELSE 1 END, failing_sha = $2, updated_at = now()
         WHERE branch = $1 RETURNING failures) SELECT failures FROM u`,
        [branch, sha],
      );
      return r?.failures ?? 0;
    },

    async findService(project: string, name: string): Promise<ImportService | null> {
      const [r] = await ds.query(
        `SELECT s.id, s.project_id AS "projectId", s.name, s.port FROM services s JOIN projects p ON p.id = s.project_id
         WHERE p.slug = $1 AND s.name = $2`,
        [project, name],
      );
      return r ?? null;
    },

    /** The deployments that `Kubidu-Deployment` trailers name (ids already checked to be uuids), by id. */
    async namedDeployments(ids: string[]): Promise<Map<string, NamedDeployment>> {
      const out = new Map<string, NamedDeployment>();
      if (ids.length === 0) return out;
      const rows: NamedDeployment[] = await ds.query(
        `SELECT d.id::text AS id, 'apps/' || p.slug || '/' || s.name AS dir, d.status, d.manifests_commit_sha AS "commitSha"
         FROM deployments d JOIN services s ON s.id = d.service_id JOIN projects p ON p.id = s.project_id
         WHERE d.id = ANY($1::uuid[])`,
        [ids],
      );
      for (const r of rows) out.set(r.id.toLowerCase(), r);
      return out;
    },

    /** The newest deployment of the service whose secret env gives `name`; its secret rows as stored. */
    async findSecretSource(service: ImportService, name: string): Promise<{ id: string; rows: SealedEnvRow[] } | null> {
      const ids: string[] = (
        await ds.query(
          `SELECT d.id FROM deployments d WHERE d.service_id = $1
             AND EXISTS (SELECT 1 FROM environment_variables e WHERE e.deployment_id = d.id AND e.is_secret)
           ORDER BY d.seq DESC LIMIT 200`,
          [service.id],
        )
      ).map((r: { id: string }) => r.id);
      const env = await envOfDeployments(ds.manager, ids);
      for (const id of ids) {
        const rows = env.get(id)!;
        if (secretNameOf(service.name, rows) === name) return { id, rows: rows.filter((r) => r.isSecret) };
      }
      return null;
    },

    /**
     * The deployment whose commit a revert undid: by trailer id when that deployment recorded
     * that commit (a trailer alone proves nothing), else by its recorded manifests commit.
     */
    async findReverted(service: ImportService, sha: string, trailerId: string | null): Promise<{ id: string; source: string; seq: string } | null> {
      if (trailerId) {
        const [r] = await ds.query(
          `SELECT id, source, seq::text AS seq FROM deployments WHERE id::text = $1 AND service_id = $2 AND manifests_commit_sha LIKE $3 || '%'`,
          [trailerId, service.id, sha],
        );
        if (r) return r;
      }
      const [r] = await ds.query(
        `SELECT id, source, seq::text AS seq FROM deployments
         WHERE service_id = $1 AND manifests_commit_sha LIKE $2 || '%' ORDER BY seq DESC LIMIT 1`,
        [service.id, sha],
      );
      return r ?? null;
    },

    /** Earlier deployments (newest first) that reached the manifests repo, as comparable states. */
    async restoreCandidates(service: ImportService, beforeSeq: string | null): Promise<RestoreCandidate[]> {
      const rows: Array<Record<string, any>> = await ds.query(
        `SELECT id, image_url, port, replicas, cpu_limit, memory_limit FROM deployments
         WHERE service_id = $1 AND manifests_commit_sha IS NOT NULL AND status <> 'CANCELLED'
           AND ($2::bigint IS NULL OR seq < $2::bigint)
         ORDER BY seq DESC LIMIT 50`,
        [service.id, beforeSeq],
      );
      const env = await envOfDeployments(ds.manager, rows.map((r) => r.id));
      return rows.map((r) => {
        const e = env.get(r.id)!;
        const plain: Record<string, string> = {};
        for (const x of e) if (!x.isSecret) plain[x.key] = secretBox.open(x);
        return {
          id: r.id,
          image: r.image_url,
          port: r.port,
          replicas: r.replicas,
          cpuLimit: r.cpu_limit,
          memoryLimit: r.memory_limit,
          env: plain,
          secretName: secretNameOf(service.name, e),
        };
      });
    },
  };
}

/** The importer's store, as built by createImportStore. */
export type ImportStore = ReturnType<typeof createImportStore>;
