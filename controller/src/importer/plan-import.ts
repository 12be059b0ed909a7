/**
 * The git door's plan (pure): given the commits that arrived on the manifests
 * branch (oldest first), decide which ones Kubidu must import, for which service
 * folders, and what a `git revert` among them undid. No I/O here: the importer
 * (importer.ts) reads files and rows and applies the plan.
 */
import { parseTrailers, TRAILER_DEPLOYMENT, TRAILER_ROLLBACK_OF } from '../adapters/git/commit-message.js';

/** One commit as the planner needs it (a subset of the git adapter's CommitInfo). */
export interface PlanCommit {
  sha: string;
  parents: string[];
  author: { name: string; email: string };
  message: string;
  changedPaths: string[];
}

/** A service folder `apps/<project>/<service>/` a commit changed. */
export interface ServiceDirRef {
  project: string;
  service: string;
  /** `apps/<project>/<service>` */
  dir: string;
}

/** What kind of commit a revert undid, as far as its trailers or subject tell. */
export type RevertedKind = 'rollback' | 'deploy' | 'change';

/** A `git revert` recognised in a commit message. */
export interface RevertInfo {
  /** The commit the revert undid (as written in "This reverts commit <sha>."). */
  revertedSha: string;
  /** The reverted commit's subject, from `Revert "<subject>"`, when present. */
  revertedSubject: string | null;
  /** rollback / deploy from the reverted commit's trailers or subject; change for a foreign commit; null when unknown. */
  revertedKind: RevertedKind | null;
  /** `Kubidu-Deployment` of the reverted commit when its trailers were seen (same batch or given). */
  revertedDeploymentId: string | null;
  /** `Kubidu-Rollback-Of` of the reverted commit when its trailers were seen. */
  revertedRollbackOf: string | null;
}

/** Per commit: ours (skip), nothing to import, or import these service folders. */
export type CommitPlan =
  | { action: 'skip'; sha: string; why: 'kubidu-commit' | 'no-service-folder' }
  | {
      action: 'import';
      sha: string;
      subject: string;
      /** The message without its subject and without git revert's "This reverts commit" line. */
      body: string;
      /** `Name <email>` of the git author. */
      actor: string;
      services: ServiceDirRef[];
      revert: RevertInfo | null;
      /** Why a `Kubidu-Deployment` trailer on this commit was not believed (a warning on its rows), or null. */
      untrustedTrailer: string | null;
    };

/**
 * The deployment a commit's `Kubidu-Deployment` trailer names, as the database knows
 * it (the importer looks it up; anyone who can push can write a trailer).
 */
export interface NamedDeployment {
  id: string;
  /** `apps/<project>/<service>` of its service. */
  dir: string;
  status: string;
  /** The commit Kubidu recorded for it (null: none yet). */
  commitSha: string | null;
}

/**
 * How far a commit's trailer is believed: `commit` — Kubidu made this commit (the named
 * deployment recorded it), skip it; `folder` — the named deployment is being deployed
 * and has recorded no commit yet, so its own folder is Kubidu's and any other folder the
 * commit changed is imported; `none` — a change made outside Kubidu, imported whole.
 */
export type TrailerCheck = { trust: 'commit' } | { trust: 'folder'; dir: string; why: string } | { trust: 'none'; why: string };

const SERVICE_PATH = /^apps\/([^/]+)\/([^/]+)\/.+/;
const REVERTS_LINE = /^This reverts commit ([0-9a-f]{7,40})\.?\s*$/im;
const KUBIDU_SUBJECT = /^(rollback|deploy)\(([^)]*)\)/;

/** Subject (first line) and body (the rest, trimmed) of a commit message. */
export function splitMessage(message: string): { subject: string; body: string } {
  const text = message.replace(/\r\n?/g, '\n').trim();
  const nl = text.indexOf('\n');
  if (nl < 0) return { subject: text, body: '' };
  return { subject: text.slice(0, nl).trim(), body: text.slice(nl + 1).trim() };
}

/** The service folders among changed paths (`apps/<p>/<s>/...`), deduplicated, in first-seen order. */
export function serviceDirsOf(paths: string[]): ServiceDirRef[] {
  const out: ServiceDirRef[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const m = SERVICE_PATH.exec(p);
    if (!m) continue;
    const dir = `apps/${m[1]}/${m[2]}`;
    if (seen.has(dir)) continue;
    seen.add(dir);
    out.push({ project: m[1], service: m[2], dir });
  }
  return out;
}

function first(trailers: Record<string, string[]>, key: string): string | null {
  for (const [k, vs] of Object.entries(trailers)) if (k.toLowerCase() === key.toLowerCase() && vs.length) return vs[0];
  return null;
}

/**
 * True when a message carries a `Kubidu-Deployment` trailer: Kubidu may have made this
 * commit. Only a claim: judgeTrailer decides, from the database, whether to believe it.
 */
export function isKubiduCommit(message: string): boolean {
  return trailerDeploymentId(message) !== null;
}

/** The value of a message's first `Kubidu-Deployment` trailer, or null. */
export function trailerDeploymentId(message: string): string | null {
  return first(parseTrailers(message), TRAILER_DEPLOYMENT);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when a trailer value can name a deployment (a uuid); anything else names none. */
export function isDeploymentId(value: string): boolean {
  return UUID.test(value);
}

/**
 * Whether to believe commit `sha`'s trailer `claimed`, given the deployment it names
 * (null: no such deployment). Believed only when that deployment recorded this very
 * commit, or is being deployed and has recorded none yet (then for its own folder only).
 */
export function judgeTrailer(sha: string, claimed: string, named: NamedDeployment | null): TrailerCheck {
  const what = `the commit carries a Kubidu-Deployment trailer (${claimed.slice(0, 40)})`;
  if (!named) return { trust: 'none', why: `${what} that names no deployment; imported as a change made outside Kubidu` };
  if (named.commitSha === sha) return { trust: 'commit' };
  const short = named.id.slice(0, 8);
  if (named.commitSha === null && named.status === 'DEPLOYING') {
    return {
      trust: 'folder',
      dir: named.dir,
      why: `${what} of deployment ${short}, which deploys ${named.dir}, not this folder; imported as a change made outside Kubidu`,
    };
  }
  const at = named.commitSha ? `was recorded at commit ${named.commitSha.slice(0, 8)}` : `has no commit (${named.status})`;
  return {
    trust: 'none',
    why: `${what} of deployment ${short} of ${named.dir}, which ${at}, not this one; imported as a change made outside Kubidu`,
  };
}

/** Kind of a commit from its own subject (`rollback(p/s): ...`, `deploy(p/s): ...`). */
export function kindFromSubject(subject: string | null): RevertedKind | null {
  if (!subject) return null;
  const m = KUBIDU_SUBJECT.exec(subject);
  return m ? (m[1] as RevertedKind) : null;
}

/**
 * Recognises git revert's message: `Revert "<subject>"` + `This reverts commit <sha>.`
 * `known` holds trailers of commits seen elsewhere (the reverted one, if Kubidu made it).
 */
export function parseRevert(message: string, known?: ReadonlyMap<string, string>): RevertInfo | null {
  const m = REVERTS_LINE.exec(message.replace(/\r\n?/g, '\n'));
  if (!m) return null;
  const revertedSha = m[1].toLowerCase();
  const { subject } = splitMessage(message);
  const sm = /^(?:Revert|Reapply) "(.*)"$/.exec(subject);
  const revertedSubject = sm ? sm[1] : null;
  let revertedDeploymentId: string | null = null;
  let revertedRollbackOf: string | null = null;
  let revertedKind = kindFromSubject(revertedSubject);
  let revertedMessage: string | undefined;
  if (known) {
    revertedMessage = known.get(revertedSha);
    if (revertedMessage === undefined && revertedSha.length < 40) {
      for (const [sha, msg] of known) if (sha.startsWith(revertedSha)) revertedMessage = msg;
    }
  }
  if (revertedMessage !== undefined) {
    const t = parseTrailers(revertedMessage);
    revertedDeploymentId = first(t, TRAILER_DEPLOYMENT);
    revertedRollbackOf = first(t, TRAILER_ROLLBACK_OF);
    if (revertedDeploymentId) revertedKind = revertedRollbackOf ? 'rollback' : 'deploy';
    else revertedKind = kindFromSubject(splitMessage(revertedMessage).subject) ?? 'change';
  }
  return { revertedSha, revertedSubject, revertedKind, revertedDeploymentId, revertedRollbackOf };
}

function bodyWithoutRevertLine(body: string): string {
  return body
    .split('\n')
    .filter((l) => !REVERTS_LINE.test(l))
    .join('\n')
    .trim();
}

/**
 * Decides per commit (oldest first). `knownMessages` maps other commits' shas to
 * their messages (e.g. Kubidu's own commits the importer saw earlier) so a revert
 * of one is recognised by its trailers; the batch's own commits are always known.
 * `trailers` holds judgeTrailer's verdict per sha of each commit with a
 * `Kubidu-Deployment` trailer; a trailer without a verdict is not believed.
 */
export function planImport(
  commits: PlanCommit[],
  knownMessages: ReadonlyMap<string, string> = new Map(),
  trailers: ReadonlyMap<string, TrailerCheck> = new Map(),
): CommitPlan[] {
  const known = new Map(knownMessages);
  for (const c of commits) known.set(c.sha.toLowerCase(), c.message);
  return commits.map((c): CommitPlan => {
    let services = serviceDirsOf(c.changedPaths);
    let untrustedTrailer: string | null = null;
    if (isKubiduCommit(c.message)) {
      const check = trailers.get(c.sha) ?? { trust: 'none', why: 'the commit carries a Kubidu-Deployment trailer that was not checked' };
      if (check.trust === 'commit') return { action: 'skip', sha: c.sha, why: 'kubidu-commit' };
      if (check.trust === 'folder') {
        services = services.filter((s) => s.dir !== check.dir);
        if (services.length === 0) return { action: 'skip', sha: c.sha, why: 'kubidu-commit' };
      }
      untrustedTrailer = check.why;
    }
    if (services.length === 0) return { action: 'skip', sha: c.sha, why: 'no-service-folder' };
    const { subject, body } = splitMessage(c.message);
    const revert = parseRevert(c.message, known);
    return {
      action: 'import',
      sha: c.sha,
      subject,
      body: revert ? bodyWithoutRevertLine(body) : body,
      actor: formatActor(c.author),
      services,
      revert,
      untrustedTrailer,
    };
  });
}

/** `Name <email>` (or whichever of the two is present). */
export function formatActor(a: { name: string; email: string }): string {
  const name = a.name.replace(/[\r\n<>]+/g, ' ').trim();
  const email = a.email.replace(/[\r\n<>\s]+/g, '').trim();
  if (name && email) return `${name} <${email}>`;
  return name || (email ? `<${email}>` : 'unknown git author');
}

/** "Reverted rollback 1a2b3c4d" — what the history says about an imported revert. */
export function describeRevert(kind: RevertedKind | null, shortRef: string): string {
  return `Reverted ${kind ?? 'commit'} ${shortRef}`;
}

/**
 * "Could not import commit 1a2b3c4d: <reason> (commit by <author>). <the way out>" — the
 * visible warning for a commit the importer cannot understand: whole, naming the commit,
 * who made it, and the fix (a deploy or rollback rewrites a broken folder whole).
 */
export function describeUnreadable(sha: string, reason: string, author?: string): string {
  const why = reason.trim().replace(/[\s:;,.]+$/, '');
  return (
    `Could not import commit ${sha.slice(0, 8)}: ${why}${author ? ` (commit by ${author})` : ''}. ` +
    'To recover, roll back to a healthy deployment (`kubidu rollback <id>`) or deploy again: ' +
    'Kubidu then rewrites the service folder from that deployment; or push a commit that repairs the folder.'
  );
}

/** The state a service folder describes, compared with a deployment's (plain env decrypted). */
export interface ComparableState {
  image: string;
  port: number;
  replicas: number;
  cpuLimit: string | null;
  memoryLimit: string | null;
  env: Record<string, string>;
  secretName: string | null;
}

/** A deployment that might be the one a revert restores, newest first. */
export interface RestoreCandidate extends ComparableState {
  id: string;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/** True when two states describe the same running thing (image, port, replicas, limits, env, secret). */
export function sameState(a: ComparableState, b: ComparableState): boolean {
  return (
    a.image === b.image &&
    a.port === b.port &&
    a.replicas === b.replicas &&
    (a.cpuLimit ?? null) === (b.cpuLimit ?? null) &&
    (a.memoryLimit ?? null) === (b.memoryLimit ?? null) &&
    (a.secretName ?? null) === (b.secretName ?? null) &&
    sameRecord(a.env, b.env)
  );
}

/**
 * The deployment whose state a revert restores: the newest candidate (given
 * newest first, all older than the reverted deployment) that describes exactly
 * the state the folder now holds; null when none does.
 */
export function pickRestored(observed: ComparableState, candidatesNewestFirst: RestoreCandidate[]): RestoreCandidate | null {
  return candidatesNewestFirst.find((c) => sameState(observed, c)) ?? null;
}

/**
 * Orders a batch so every commit comes after its parents in the batch (the
 * adapter's walk is not topological across `--no-ff` merges). Stable: among
 * commits whose parents are done, the input order is kept.
 */
export function topoOrder<T extends { sha: string; parents: string[] }>(commits: T[]): T[] {
  const inBatch = new Set(commits.map((c) => c.sha));
  const done = new Set<string>();
  const out: T[] = [];
  let pending = commits.slice();
  while (pending.length) {
    const next: T[] = [];
    let progressed = false;
    for (const c of pending) {
      if (c.parents.every((p) => !inBatch.has(p) || done.has(p))) {
        out.push(c);
        done.add(c.sha);
        progressed = true;
      } else next.push(c);
    }
    if (!progressed) return [...out, ...next]; // a cycle cannot happen in git; never loop forever
    pending = next;
  }
  return out;
}
