/**
 * The git door: commits pushed to the manifests branch by people (a `git revert`
 * of a rollback commit, a hand edit of an image tag) become deployment rows, so
 * Kubidu's history never lies about what the cluster was asked to run.
 *
 * One run: take the importer lock → fetch the tip → if history was rewritten,
 * say so in the audit log and continue from the new tip → otherwise, for each
 * new commit Kubidu did not make and each service folder it changed, read the
 * folder back into a desired state and insert (one transaction per commit) a
 * QUEUED GIT row carrying that commit's sha, its env and an audit row. The claim
 * loop then takes the row to RUNNING/FAILED without committing again.
 *
 * Idempotent (a unique index on GIT rows per service and commit, plus a
 * compare-and-set on the branch bookmark) and never stuck: a commit it cannot
 * understand becomes a warning; one that keeps failing unexpectedly is skipped
 * with a warning after a few tries.
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { CommitInfo, GitAdapter } from '../adapters/git/types.js';
import { readDesiredState, serviceFilePaths, type ObservedState } from '../manifests/render.js';
import { secretNameFor } from '../reconcile/deploy-one.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '@kubidu/core/logger';
import { listenForGitPushes } from './git-push-listener.js';
import {
  describeRevert,
  describeUnreadable,
  isKubiduCommit,
  pickRestored,
  planImport,
  topoOrder,
  type CommitPlan,
  type PlanCommit,
  type RestoreCandidate,
  type RevertedKind,
  type ServiceDirRef,
} from './plan-import.js';

/** The git adapter calls the importer uses (tests may hand in the real adapter or a small fake). */
export type ImporterGit = Pick<GitAdapter, 'fetchTip' | 'commitsSince' | 'readFile' | 'isDescendant'>;

/** What createGitImporter needs. */
export interface GitImporterDeps {
  ds: DataSource;
  git: ImporterGit;
  secretBox: SecretBox;
  logger: Logger;
  /** The manifests branch (MANIFESTS_BRANCH); the bookmark is kept per branch. */
  branch: string;
  /** Commits read per batch (default 200). */
  batchSize?: number;
  /** Unexpected failures on one commit before it is skipped with a warning (default 5). */
  maxFailures?: number;
  /** Called when rows were queued (in-process wake of the claim loop; the insert trigger NOTIFYs too). */
  onQueued?: () => void;
  /**
   * Hold a session advisory lock on a dedicated connection while importing, so
   * only one replica imports at a time. Default: on unless the pool has a single
   * connection (the embedded database, one process by construction).
   */
  advisoryLock?: boolean;
}

/** Outcome of one run. */
export interface ImportResult {
  /** GIT rows queued (the deployments Kubidu will watch). */
  imported: number;
  /** Warnings recorded (unreadable commits, unknown services or secrets, rewritten history). */
  warnings: number;
  /** True when another replica held the importer lock, so this run did nothing. */
  skipped?: boolean;
}

/** The importer: one `runOnce` at a time per process. */
export interface GitImporter {
  runOnce(): Promise<ImportResult>;
}

/** Audit actions the importer writes. */
export const AUDIT_GIT_CHANGE = 'DEPLOYMENT_GIT_CHANGE';
export const AUDIT_GIT_WARNING = 'DEPLOYMENT_GIT_WARNING';
export const AUDIT_HISTORY_REWRITTEN = 'MANIFESTS_HISTORY_REWRITTEN';

/** Advisory lock key (first half); the second half is hashtext(branch). */
const LOCK_KEY = 727173;
const PLACEHOLDER_IMAGE = 'app';
const UNREADABLE_IMAGE = '(unreadable)';

/** Another replica advanced the bookmark under us: stop this run, theirs continues. */
class BookmarkMovedError extends Error {
  readonly code = 'IMPORT_BOOKMARK_MOVED';
}

interface ServiceRow {
  id: string;
  projectId: string;
  name: string;
  port: number;
}

interface EnvRow {
  key: string;
  valueEncrypted: string;
  valueIv: string;
  isSecret: boolean;
}

/** What one (commit, service folder) becomes. */
type RowPlan =
  | {
      kind: 'queued';
      service: ServiceRow;
      dir: string;
      state: ObservedState;
      plainEnv: Record<string, string>;
      secretRows: EnvRow[];
      restoredId: string | null;
      reverted: { id: string | null; kind: RevertedKind | null; short: string } | null;
      secretFrom: string | null;
      warnings: string[];
    }
  | { kind: 'unreadable'; service: ServiceRow; dir: string; reason: string }
  | { kind: 'unknown-service'; dir: string; project: string; serviceName: string };

function poolMax(ds: DataSource): number {
  const extra = (ds.options as { extra?: { max?: number } }).extra;
  return extra?.max ?? 10;
}

/** Builds an importer for one branch. Nothing runs until `runOnce`. */
export function createGitImporter(deps: GitImporterDeps): GitImporter {
  const { ds, git, secretBox, logger, branch } = deps;
  const batchSize = deps.batchSize ?? 200;
  const maxFailures = deps.maxFailures ?? 5;
  const useLock = deps.advisoryLock ?? poolMax(ds) >= 2;
  let tail: Promise<unknown> = Promise.resolve();

  // ---- small SQL helpers -------------------------------------------------

  async function audit(
    m: EntityManager | DataSource,
    action: string,
    e: { actor: string; projectId?: string | null; serviceId?: string | null; deploymentId?: string | null; data: Record<string, unknown> },
  ) {
    await m.query(
      `INSERT INTO audit_logs (actor, action, project_id, service_id, deployment_id, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [e.actor, action, e.projectId ?? null, e.serviceId ?? null, e.deploymentId ?? null, JSON.stringify(e.data)],
    );
  }

  async function readBookmark(): Promise<{ lastSha: string | null; failingSha: string | null; failures: number }> {
    await ds.query(`INSERT INTO manifests_import_state (branch) VALUES ($1) ON CONFLICT (branch) DO NOTHING`, [branch]);
    const [r] = await ds.query(`SELECT last_sha, failing_sha, failures FROM manifests_import_state WHERE branch = $1`, [branch]);
    return { lastSha: r.last_sha, failingSha: r.failing_sha, failures: r.failures };
  }

  /** Moves the bookmark from `from` to `to` inside `m`'s transaction, or throws BookmarkMovedError. */
  async function advance(m: EntityManager | DataSource, from: string | null, to: string) {
    // A CTE, because TypeORM answers a bare UPDATE … RETURNING with [rows, count] rather than rows.
    const [{ n }] = await m.query(
      `WITH u AS (UPDATE manifests_import_state SET last_sha = $2, failing_sha = NULL, failures = 0, updated_at = now()
       WHERE branch = $1 AND last_sha IS NOT DISTINCT FROM $3 RETURNING 1) SELECT count(*)::int AS n FROM u`,
      [branch, to, from],
    );
    if (n !== 1) throw new BookmarkMovedError(`the import bookmark of ${branch} moved (another replica is importing)`);
  }

  async function findService(project: string, name: string): Promise<ServiceRow | null> {
    const rows = await ds.query(
      `SELECT s.id, s.project_id, s.name, s.port FROM services s JOIN projects p ON p.id = s.project_id
       WHERE p.slug = $1 AND s.name = $2`,
      [project, name],
    );
    return rows.length ? { id: rows[0].id, projectId: rows[0].project_id, name: rows[0].name, port: rows[0].port } : null;
  }

  async function envOf(ids: string[]): Promise<Map<string, EnvRow[]>> {
    const out = new Map<string, EnvRow[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = await ds.query(
      `SELECT deployment_id, key, value_encrypted, value_iv, is_secret FROM environment_variables
       WHERE deployment_id = ANY($1::uuid[]) ORDER BY key`,
      [ids],
    );
    for (const r of rows) {
      out.get(r.deployment_id)!.push({ key: r.key, valueEncrypted: r.value_encrypted, valueIv: r.value_iv, isSecret: r.is_secret });
    }
    return out;
  }

  function secretNameOf(serviceName: string, env: EnvRow[]): string | null {
    const secret: Record<string, string> = {};
    for (const e of env) if (e.isSecret) secret[e.key] = secretBox.open(e);
    return Object.keys(secret).length ? secretNameFor(serviceName, secretBox.fingerprint(secret)) : null;
  }

  /** The newest deployment of the service whose secret env gives `name`; its secret rows as stored. */
  async function findSecretSource(service: ServiceRow, name: string): Promise<{ id: string; rows: EnvRow[] } | null> {
    const ids: string[] = (
      await ds.query(
        `SELECT d.id FROM deployments d WHERE d.service_id = $1
           AND EXISTS (SELECT 1 FROM environment_variables e WHERE e.deployment_id = d.id AND e.is_secret)
         ORDER BY d.seq DESC LIMIT 200`,
        [service.id],
      )
    ).map((r: { id: string }) => r.id);
    const env = await envOf(ids);
    for (const id of ids) {
      const rows = env.get(id)!;
      if (secretNameOf(service.name, rows) === name) return { id, rows: rows.filter((r) => r.isSecret) };
    }
    return null;
  }

  /** The deployment whose commit a revert undid: by trailer id, else by its recorded manifests commit. */
  async function findReverted(service: ServiceRow, sha: string, trailerId: string | null) {
    if (trailerId) {
      const rows = await ds.query(
        `SELECT id, source, seq::text AS seq FROM deployments WHERE id::text = $1 AND service_id = $2`,
        [trailerId, service.id],
      );
      if (rows.length) return rows[0] as { id: string; source: string; seq: string };
    }
    const rows = await ds.query(
      `SELECT id, source, seq::text AS seq FROM deployments
       WHERE service_id = $1 AND manifests_commit_sha LIKE $2 || '%' ORDER BY seq DESC LIMIT 1`,
      [service.id, sha],
    );
    return rows.length ? (rows[0] as { id: string; source: string; seq: string }) : null;
  }

  /** Earlier deployments (newest first) that reached the manifests repo, as comparable states. */
  async function restoreCandidates(service: ServiceRow, beforeSeq: string | null): Promise<RestoreCandidate[]> {
    const rows = await ds.query(
      `SELECT id, image_url, port, replicas, cpu_limit, memory_limit FROM deployments
       WHERE service_id = $1 AND manifests_commit_sha IS NOT NULL AND status <> 'CANCELLED'
         AND ($2::bigint IS NULL OR seq < $2::bigint)
       ORDER BY seq DESC LIMIT 50`,
      [service.id, beforeSeq],
    );
    const env = await envOf(rows.map((r: { id: string }) => r.id));
    return rows.map((r: Record<string, any>) => {
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
  }

  // ---- planning one (commit, service folder) ------------------------------

  async function planRow(sha: string, plan: Extract<CommitPlan, { action: 'import' }>, ref: ServiceDirRef): Promise<RowPlan> {
    const service = await findService(ref.project, ref.service);
    if (!service) return { kind: 'unknown-service', dir: ref.dir, project: ref.project, serviceName: ref.service };
    const paths = serviceFilePaths(ref.project, ref.service);
    const files = new Map<string, string | null>();
    for (const p of Object.values(paths)) files.set(p, await git.readFile(sha, p));
    if ([...files.values()].every((v) => v === null)) {
      return { kind: 'unreadable', service, dir: ref.dir, reason: `the service folder ${ref.dir} was deleted or emptied` };
    }
    const read = readDesiredState(files);
    if (!read.ok) return { kind: 'unreadable', service, dir: ref.dir, reason: read.error };
    const state = read.state;
    if (!state.image || state.image === PLACEHOLDER_IMAGE || /\s/.test(state.image)) {
      return { kind: 'unreadable', service, dir: ref.dir, reason: `${paths.kustomization} names no image for the container (images: entry removed?)` };
    }
    if (!Number.isInteger(state.replicas) || state.replicas < 0) {
      return { kind: 'unreadable', service, dir: ref.dir, reason: `replicas ${JSON.stringify(state.replicas)} is not a non-negative integer` };
    }

    const warnings: string[] = [];
    let secretRows: EnvRow[] = [];
    let secretFrom: string | null = null;
    if (state.secretName) {
      const src = await findSecretSource(service, state.secretName);
      if (src) {
        secretRows = src.rows;
        secretFrom = src.id;
      } else {
        warnings.push(`secret reference ${state.secretName} matches no earlier deployment's secrets; this deployment has no secret env`);
      }
    }

    let reverted: Extract<RowPlan, { kind: 'queued' }>['reverted'] = null;
    let restoredId: string | null = null;
    if (plan.revert) {
      const r = plan.revert;
      const row = await findReverted(service, r.revertedSha, r.revertedDeploymentId);
      const kind: RevertedKind | null = row
        ? row.source === 'ROLLBACK'
          ? 'rollback'
          : row.source === 'API'
            ? 'deploy'
            : 'change'
        : r.revertedKind;
      reverted = { id: row?.id ?? null, kind, short: row ? row.id.slice(0, 8) : r.revertedSha.slice(0, 8) };
      const restored = pickRestored(
        { ...state, secretName: state.secretName },
        await restoreCandidates(service, row ? row.seq : null),
      );
      restoredId = restored?.id ?? null;
      if (!restored) warnings.push(`the state this revert restores matches no earlier deployment of ${ref.dir}`);
    }
    return { kind: 'queued', service, dir: ref.dir, state, plainEnv: state.env, secretRows, restoredId, reverted, secretFrom, warnings };
  }

  // ---- applying one commit --------------------------------------------------

  /** Handles one commit in one transaction (rows + audit + bookmark). Returns counts. */
  async function applyCommit(prev: string | null, commit: PlanCommit, plan: CommitPlan): Promise<{ imported: number; warnings: number }> {
    if (plan.action === 'skip') {
      await advance(ds, prev, commit.sha);
      return { imported: 0, warnings: 0 };
    }
    const rows: RowPlan[] = [];
    for (const ref of plan.services) rows.push(await planRow(commit.sha, plan, ref));
    const short = commit.sha.slice(0, 8);
    let imported = 0;
    let warnings = 0;
    await ds.transaction(async (m) => {
      for (const r of rows) {
        if (r.kind === 'unknown-service') {
          await audit(m, AUDIT_GIT_WARNING, {
            actor: plan.actor,
            data: { commit: commit.sha, author: plan.actor, dir: r.dir, reason: `no Kubidu service ${r.project}/${r.serviceName}; the folder was not imported` },
          });
          warnings++;
          continue;
        }
        if (r.kind === 'unreadable') {
          const msg = describeUnreadable(commit.sha, r.reason);
          const ins: Array<{ id: string }> = await m.query(
            `INSERT INTO deployments (service_id, status, source, image_url, commit_message, port, replicas, actor,
               manifests_commit_sha, status_message, warning, finished_at)
             VALUES ($1, 'FAILED', 'GIT', $2, $3, $4, 1, $5, $6, $7, $7, now())
             ON CONFLICT (service_id, manifests_commit_sha) WHERE source = 'GIT' DO NOTHING RETURNING id`,
            [r.service.id, UNREADABLE_IMAGE, plan.subject, r.service.port, plan.actor, commit.sha, msg],
          );
          if (ins.length) {
            await audit(m, AUDIT_GIT_WARNING, {
              actor: plan.actor,
              projectId: r.service.projectId,
              serviceId: r.service.id,
              deploymentId: ins[0].id,
              data: { commit: commit.sha, author: plan.actor, dir: r.dir, reason: r.reason },
            });
            warnings++;
          }
          continue;
        }
        const revertText = r.reverted ? describeRevert(r.reverted.kind, r.reverted.short) : null;
        const reasonParts = [revertText && (r.restoredId ? `${revertText}; restores deployment ${r.restoredId.slice(0, 8)}` : revertText), plan.body || null].filter(Boolean);
        const reason = reasonParts.length ? reasonParts.join('\n\n').slice(0, 2000) : null;
        const statusMessage = [
          revertText ? `${revertText} (commit ${short} by ${plan.actor})` : `Imported commit ${short} by ${plan.actor} from the manifests repo`,
          ...r.warnings,
        ].join('; ');
        const warning = r.warnings.length ? r.warnings.join('; ') : null;
        const ins: Array<{ id: string }> = await m.query(
          `INSERT INTO deployments (service_id, status, source, image_url, commit_message, port, replicas, cpu_limit, memory_limit,
             rollback_from_id, reverts_deployment_id, actor, manifests_commit_sha, status_message, reason, warning)
           VALUES ($1, 'QUEUED', 'GIT', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (service_id, manifests_commit_sha) WHERE source = 'GIT' DO NOTHING RETURNING id`,
          [
            r.service.id,
            r.state.image,
            plan.subject,
            r.state.port,
            r.state.replicas,
            r.state.cpuLimit,
            r.state.memoryLimit,
            r.restoredId,
            r.reverted?.id ?? null,
            plan.actor,
            commit.sha,
            statusMessage,
            reason,
            warning,
          ],
        );
        if (!ins.length) continue; // seen before (webhook and poll, or a retried run)
        const id = ins[0].id;
        const secretKeys = new Set(r.secretRows.map((e) => e.key));
        for (const [key, value] of Object.entries(r.plainEnv)) {
          if (secretKeys.has(key)) continue; // envFrom: the Secret comes after the ConfigMap and wins
          const s = secretBox.seal(value);
          await m.query(
            `INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret) VALUES ($1, $2, $3, $4, false)`,
            [id, key, s.valueEncrypted, s.valueIv],
          );
        }
        for (const e of r.secretRows) {
          await m.query(
            `INSERT INTO environment_variables (deployment_id, key, value_encrypted, value_iv, is_secret) VALUES ($1, $2, $3, $4, true)`,
            [id, e.key, e.valueEncrypted, e.valueIv],
          );
        }
        await audit(m, AUDIT_GIT_CHANGE, {
          actor: plan.actor,
          projectId: r.service.projectId,
          serviceId: r.service.id,
          deploymentId: id,
          data: {
            commit: commit.sha,
            author: plan.actor,
            subject: plan.subject,
            image: r.state.image,
            ...(r.reverted ? { reverts: { commit: plan.revert!.revertedSha, deploymentId: r.reverted.id, kind: r.reverted.kind } } : {}),
            ...(r.restoredId ? { restores: r.restoredId } : {}),
            ...(r.secretFrom ? { secretsFrom: r.secretFrom } : {}),
            warnings: r.warnings,
          },
        });
        // A git revert of the very rollback that holds this service undoes it: the hold that
        // protected that rollback from being deployed over goes with it (audited like a release).
        if (r.reverted?.id) {
          const gone: Array<{ rollbackId: string; heldBy: string; createdAt: Date }> = await m.query(
            `WITH g AS (DELETE FROM deploy_holds WHERE service_id = $1 AND rollback_id = $2 RETURNING *)
             SELECT rollback_id AS "rollbackId", held_by AS "heldBy", created_at AS "createdAt" FROM g`,
            [r.service.id, r.reverted.id],
          );
          if (gone.length) {
            await audit(m, 'DEPLOY_HOLD_RELEASED', {
              actor: plan.actor,
              projectId: r.service.projectId,
              serviceId: r.service.id,
              deploymentId: gone[0].rollbackId,
              data: { rollbackId: gone[0].rollbackId, heldBy: gone[0].heldBy, heldSince: new Date(gone[0].createdAt).toISOString(), by: 'git revert', commit: commit.sha, deploymentId: id },
            });
          }
        }
        imported++;
        warnings += r.warnings.length;
      }
      await advance(m, prev, commit.sha);
    });
    return { imported, warnings };
  }

  /** Counts an unexpected failure on `sha`; after maxFailures, skips it with a warning. Returns true when skipped. */
  async function noteFailure(prev: string | null, sha: string, err: unknown): Promise<boolean> {
    const [r] = await ds.query(
      `WITH u AS (UPDATE manifests_import_state
         SET failures = CASE WHEN failing_sha = $2 THEN failures + 1 ELSE 1 END, failing_sha = $2, updated_at = now()
       WHERE branch = $1 RETURNING failures) SELECT failures FROM u`,
      [branch, sha],
    );
    if (!r || r.failures < maxFailures) return false;
    await ds.transaction(async (m) => {
      await audit(m, AUDIT_GIT_WARNING, {
        actor: 'kubidu-controller',
        data: { commit: sha, reason: `skipped after ${r.failures} failed attempts: ${errorMessage(err)}` },
      });
      await advance(m, prev, sha);
    });
    return true;
  }

  // ---- one run ---------------------------------------------------------------

  async function importUnlocked(): Promise<ImportResult> {
    const result: ImportResult = { imported: 0, warnings: 0 };
    const mark = await readBookmark();
    const tip = await git.fetchTip();
    if (!tip) return result;
    let prev = mark.lastSha;
    if (!prev) {
      // First run on this branch: history before now is Kubidu's starting point, not news.
      await advance(ds, null, tip);
      logger.info({ branch, tip }, 'git importer: starting from the current manifests tip');
      return result;
    }
    if (prev === tip) return result;
    if (!(await git.isDescendant(tip, prev))) {
      await ds.transaction(async (m) => {
        await audit(m, AUDIT_HISTORY_REWRITTEN, {
          actor: 'kubidu-controller',
          data: {
            branch,
            from: prev,
            to: tip,
            message: `The manifests branch ${branch} was rewritten (force push): ${prev!.slice(0, 8)} is no longer an ancestor of ${tip.slice(0, 8)}. Commits made after ${prev!.slice(0, 8)} on the old history were not imported; importing continues from ${tip.slice(0, 8)}.`,
          },
        });
        await advance(m, prev, tip);
      });
      logger.warn({ branch, from: prev, to: tip }, 'manifests history was rewritten; continuing from the new tip');
      result.warnings++;
      return result;
    }
    for (;;) {
      const fetched: CommitInfo[] = await git.commitsSince(prev, { max: batchSize, pathsFor: (m) => !isKubiduCommit(m) });
      const batch = topoOrder(fetched);
      if (batch.length === 0) break;
      const plans = planImport(batch);
      for (let i = 0; i < batch.length; i++) {
        const c = batch[i];
        try {
          const r = await applyCommit(prev, c, plans[i]);
          result.imported += r.imported;
          result.warnings += r.warnings;
          if (r.imported || r.warnings) {
            logger.info({ commit: c.sha, imported: r.imported, warnings: r.warnings }, 'imported a manifests commit made outside Kubidu');
          }
        } catch (err) {
          if (err instanceof BookmarkMovedError) throw err;
          logger.warn({ commit: c.sha, err: errorMessage(err) }, 'git importer: could not import a commit; will retry');
          if (await noteFailure(prev, c.sha, err)) {
            result.warnings++;
            prev = c.sha;
            continue;
          }
          return result;
        }
        prev = c.sha;
      }
      if (batch.length < batchSize) break;
    }
    return result;
  }

  async function runLocked(): Promise<ImportResult> {
    let qr: QueryRunner | null = null;
    try {
      if (useLock) {
        qr = ds.createQueryRunner();
        await qr.connect();
        const [{ ok }] = await qr.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [LOCK_KEY, branch]);
        if (!ok) return { imported: 0, warnings: 0, skipped: true };
      }
      try {
        return await importUnlocked();
      } finally {
        if (qr) await qr.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [LOCK_KEY, branch]).catch(() => undefined);
      }
    } finally {
      if (qr) await qr.release().catch(() => undefined);
    }
  }

  return {
    runOnce() {
      const run = tail.then(async (): Promise<ImportResult> => {
        try {
          const r = await runLocked();
          if (r.imported > 0) deps.onQueued?.();
          return r;
        } catch (err) {
          if (err instanceof BookmarkMovedError) logger.info({ branch }, err.message);
          else logger.warn({ branch, err: errorMessage(err) }, 'git importer run failed; the next poll retries');
          return { imported: 0, warnings: 0 };
        }
      });
      tail = run;
      return run;
    },
  };
}

/** Options for startGitImporter: the importer's deps plus how often to poll. */
export interface StartGitImporterOptions extends GitImporterDeps {
  /** Safety-net poll of the remote (KUBIDU_GIT_POLL_SECONDS, default 15 s). */
  intervalMs: number;
  /** Postgres URL to LISTEN on `kubidu_git_push` (webhooks received by an API in another process); omit on the embedded database. */
  listenUrl?: string;
}

/** A running importer: `trigger` runs it soon (webhook), `stop` ends polling and waits for a run in progress. */
export interface GitImporterHandle {
  trigger(): void;
  stop(): Promise<void>;
  /** Runs now and returns the result (tests, CLI). */
  runOnce(): Promise<ImportResult>;
}

/** Runs the importer now, then every `intervalMs`, and whenever `trigger()` is called (coalesced). */
export function startGitImporter(opts: StartGitImporterOptions): GitImporterHandle {
  const importer = createGitImporter(opts);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let again = false;

  function schedule(ms: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref?.();
  }

  function tick() {
    timer = null;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = importer.runOnce().finally(() => {
      running = null;
      if (again) {
        again = false;
        schedule(0);
      } else schedule(opts.intervalMs);
    });
  }

  function trigger() {
    if (stopped) return;
    if (running) again = true;
    else schedule(0);
  }

  schedule(0);
  const listener = opts.listenUrl ? listenForGitPushes(opts.listenUrl, trigger, opts.logger) : null;
  return {
    trigger,
    runOnce: () => importer.runOnce(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await listener?.stop();
      await running;
    },
  };
}
