/**
 * The git door: commits pushed to the manifests branch by people (a `git revert`
 * of a rollback commit, a hand edit of an image tag) become deployment rows, so
 * Kubidu's history never lies about what the cluster was asked to run.
 *
 * One run: take the importer lock → fetch the tip → if history was rewritten,
 * say so in the audit log and continue from the new tip → otherwise check each
 * `Kubidu-Deployment` trailer against the database (trust-trailers.ts: a trailer
 * is a claim anyone can write) and, for each new commit Kubidu did not make, plan it (plan-import.ts, pure), read each service
 * folder it changed (read-commit.ts) and apply it in one transaction
 * (apply-import.ts: QUEUED GIT rows with the commit's sha, env and audit rows).
 * The claim loop then takes the rows to RUNNING/FAILED without committing again.
 * This file is the run itself: lock, order, retries and the poll/trigger loop.
 *
 * Idempotent (a unique index on GIT rows per service and commit, plus a
 * compare-and-set on the branch bookmark) and never stuck: a commit it cannot
 * understand becomes a warning; one that keeps failing unexpectedly is skipped
 * with a warning after a few tries.
 */
import type { DataSource, QueryRunner } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import { auditWriter, type AuditWriter } from '@kubidu/core/domain/audit';
import { AUDIT_ACTIONS, CONTROLLER_ACTOR } from '@kubidu/core/domain/vocabulary';
import type { Logger } from '@kubidu/core/logger';
import type { CommitInfo } from '../adapters/git/types.js';
import { errorMessage } from '../errors.js';
import { listenForGitPushes } from './git-push-listener.js';
import { isKubiduCommit, planImport, topoOrder } from './plan-import.js';
import { BookmarkMovedError, createImportStore } from './import-store.js';
import { applyCommit } from './apply-import.js';
import { checkTrailers } from './trust-trailers.js';
import type { ImporterGit } from './read-commit.js';

export type { ImporterGit } from './read-commit.js';

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
  /** The audit writer (core's; a test may hand in one that fails). */
  audit?: AuditWriter;
  /** Called when rows were queued (in-process wake of the claim loop; the insert trigger NOTIFYs too). */
  onQueued?: () => void;
  /** Called for each commit imported, with the seconds from its author time to now (kubidu_git_import_lag_seconds). */
  onImported?: (lagSeconds: number) => void;
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

/** Advisory lock key (first half); the second half is hashtext(branch). */
const LOCK_KEY = 727173;

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
  const audit = deps.audit ?? auditWriter;
  const store = createImportStore(ds, secretBox, branch);
  const applyDeps = { ds, git, store, secretBox, audit };

  /** Counts an unexpected failure on `sha`; after maxFailures, skips it with a warning. Returns true when skipped. */
  async function noteFailure(prev: string | null, sha: string, err: unknown): Promise<boolean> {
    const failures = await store.countFailure(sha);
    if (failures < maxFailures) return false;
    await ds.transaction(async (m) => {
      await audit.append(m, {
        actorId: null,
        actor: CONTROLLER_ACTOR,
        action: AUDIT_ACTIONS.gitWarning,
        data: { commit: sha, reason: `skipped after ${failures} failed attempts: ${errorMessage(err)}` },
      });
      await store.advance(m, prev, sha);
    });
    return true;
  }

  // ---- one run ---------------------------------------------------------------

  async function importUnlocked(): Promise<ImportResult> {
    const result: ImportResult = { imported: 0, warnings: 0 };
    const mark = await store.readBookmark();
    const tip = await git.fetchTip();
    if (!tip) return result;
    let prev = mark.lastSha;
    if (!prev) {
      // First run on this branch: history before now is Kubidu's starting point, not news.
      await store.advance(ds, null, tip);
      logger.info({ branch, tip }, 'git importer: starting from the current manifests tip');
      return result;
    }
    if (prev === tip) return result;
    if (!(await git.isDescendant(tip, prev))) {
      await ds.transaction(async (m) => {
        await audit.append(m, {
          actorId: null,
          actor: CONTROLLER_ACTOR,
          action: AUDIT_ACTIONS.historyRewritten,
          data: {
            branch,
            from: prev,
            to: tip,
            message: `The manifests branch ${branch} was rewritten (force push): ${prev!.slice(0, 8)} is no longer an ancestor of ${tip.slice(0, 8)}. Commits made after ${prev!.slice(0, 8)} on the old history were not imported; importing continues from ${tip.slice(0, 8)}.`,
          },
        });
        await store.advance(m, prev, tip);
      });
      logger.warn({ branch, from: prev, to: tip }, 'manifests history was rewritten; continuing from the new tip');
      result.warnings++;
      return result;
    }
    for (;;) {
      const fetched: CommitInfo[] = await git.commitsSince(prev, { max: batchSize, pathsFor: (m) => !isKubiduCommit(m) });
      if (fetched.length === 0) break;
      const { batch, checks } = await checkTrailers(git, store, topoOrder(fetched));
      const plans = planImport(batch, undefined, checks);
      for (let i = 0; i < batch.length; i++) {
        const c = batch[i];
        try {
          const r = await applyCommit(applyDeps, prev, c, plans[i]);
          result.imported += r.imported;
          result.warnings += r.warnings;
          if (r.imported) deps.onImported?.(Date.now() / 1000 - c.author.timestamp);
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
