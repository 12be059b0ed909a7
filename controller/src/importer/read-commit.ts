/**
 * Reads one (commit, service folder) of an outside commit into what it becomes:
 * a QUEUED GIT row with the state the folder describes (secrets matched by the
 * Secret's content hash, the deployment a revert undid and the one it restores),
 * a FAILED row when the folder cannot be read, or a warning for an unknown service.
 */
import type { SealedEnvRow } from '@kubidu/core/domain/env-rows';
import { envSizeProblem, sealedValueBytes } from '@kubidu/core/domain/env-limits';
import type { GitAdapter } from '../adapters/git/types.js';
import { readDesiredState, serviceFilePaths, type ObservedState } from '../manifests/render.js';
import { pickRestored, type CommitPlan, type RevertedKind, type ServiceDirRef } from './plan-import.js';
import type { ImportService, ImportStore } from './import-store.js';

/** The git adapter calls the importer uses (tests may hand in the real adapter or a small fake). */
export type ImporterGit = Pick<GitAdapter, 'fetchTip' | 'commitsSince' | 'changedPaths' | 'readFile' | 'isDescendant'>;

const PLACEHOLDER_IMAGE = 'app';

/** What one (commit, service folder) becomes. */
export type RowPlan =
  | {
      kind: 'queued';
      service: ImportService;
      dir: string;
      state: ObservedState;
      secretRows: SealedEnvRow[];
      restoredId: string | null;
      reverted: { id: string | null; kind: RevertedKind | null; short: string } | null;
      secretFrom: string | null;
      warnings: string[];
    }
  | { kind: 'unreadable'; service: ImportService; dir: string; reason: string }
  | { kind: 'unknown-service'; dir: string; project: string; serviceName: string };

/** Reads `ref`'s folder at commit `sha` and decides its row. */
export async function readCommitFolder(
  git: ImporterGit,
  store: ImportStore,
  sha: string,
  plan: Extract<CommitPlan, { action: 'import' }>,
  ref: ServiceDirRef,
): Promise<RowPlan> {
  const service = await store.findService(ref.project, ref.service);
  if (!service) return { kind: 'unknown-service', dir: ref.dir, project: ref.project, serviceName: ref.service };
  const paths = serviceFilePaths(ref.project, ref.service);
  const files = new Map<string, string | null>();
  for (const p of Object.values(paths)) files.set(p, await git.readFile(sha, p));
  if ([...files.values()].every((v) => v === null)) {
    return { kind: 'unreadable', service, dir: ref.dir, reason: `the service folder ${ref.dir} was deleted or emptied` };
  }
  let read: ReturnType<typeof readDesiredState>;
  try {
    read = readDesiredState(files);
  } catch (err) {
    // Reading a folder is pure: what throws here is the commit's content, and retrying it cannot help.
    read = { ok: false, error: `${ref.dir} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!read.ok) return { kind: 'unreadable', service, dir: ref.dir, reason: read.error };
  const state = read.state;
  if (!state.image || state.image === PLACEHOLDER_IMAGE || /\s/.test(state.image)) {
    return { kind: 'unreadable', service, dir: ref.dir, reason: `${paths.kustomization} names no image for the container (images: entry removed?)` };
  }
  if (!Number.isInteger(state.replicas) || state.replicas < 0) {
    return { kind: 'unreadable', service, dir: ref.dir, reason: `replicas ${JSON.stringify(state.replicas)} is not a non-negative integer` };
  }

  const warnings: string[] = plan.untrustedTrailer ? [plan.untrustedTrailer] : [];
  let secretRows: SealedEnvRow[] = [];
  let secretFrom: string | null = null;
  if (state.secretName) {
    const src = await store.findSecretSource(service, state.secretName);
    if (src) {
      secretRows = src.rows;
      secretFrom = src.id;
    } else {
      warnings.push(`secret reference ${state.secretName} matches no earlier deployment's secrets; this deployment has no secret env`);
    }
  }

  // A hand edit meets the size rule every other door meets (issue 16.6): an env that could
  // never fit its ConfigMap or Secret is recorded as FAILED at once, not synced for ever.
  const secretKeys = new Set(secretRows.map((e) => e.key));
  const tooLarge = envSizeProblem([
    ...Object.entries(state.env)
      .filter(([k]) => !secretKeys.has(k))
      .map(([key, value]) => ({ key, bytes: Buffer.byteLength(value, 'utf8'), isSecret: false })),
    ...secretRows.map((row) => ({ key: row.key, bytes: sealedValueBytes(row), isSecret: true })),
  ]);
  if (tooLarge) return { kind: 'unreadable', service, dir: ref.dir, reason: `${ref.dir}: ${tooLarge.message}` };

  let reverted: Extract<RowPlan, { kind: 'queued' }>['reverted'] = null;
  let restoredId: string | null = null;
  if (plan.revert) {
    const r = plan.revert;
    const row = await store.findReverted(service, r.revertedSha, r.revertedDeploymentId);
    const kind: RevertedKind | null = row
      ? row.source === 'ROLLBACK' || row.source === 'AUTO'
        ? 'rollback'
        : row.source === 'API'
          ? 'deploy'
          : 'change'
      : r.revertedKind;
    reverted = { id: row?.id ?? null, kind, short: row ? row.id.slice(0, 8) : r.revertedSha.slice(0, 8) };
    const restored = pickRestored({ ...state, secretName: state.secretName }, await store.restoreCandidates(service, row ? row.seq : null));
    restoredId = restored?.id ?? null;
    if (!restored) warnings.push(`the state this revert restores matches no earlier deployment of ${ref.dir}`);
  }
  return { kind: 'queued', service, dir: ref.dir, state, secretRows, restoredId, reverted, secretFrom, warnings };
}
