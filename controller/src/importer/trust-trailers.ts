/**
 * Anyone who can push to the manifests repo can write `Kubidu-Deployment: <id>` in a
 * commit message. The git door used to skip every such commit as Kubidu's own, so a
 * hand edit with a forged trailer changed what the cluster runs with no row and no
 * audit. Here each trailer in a batch is checked against the deployment it names
 * (one query per batch; judgeTrailer in plan-import.ts decides), and the commits not
 * fully believed get the changed paths commitsSince skipped for them, so planImport
 * imports their folders like any other change made outside Kubidu.
 */
import type { CommitInfo } from '../adapters/git/types.js';
import { isDeploymentId, judgeTrailer, trailerDeploymentId, type TrailerCheck } from './plan-import.js';
import type { ImportStore } from './import-store.js';
import type { ImporterGit } from './read-commit.js';

/** The batch (with changed paths filled in where a trailer is not believed) and the verdict per trailer-carrying sha. */
export async function checkTrailers(
  git: Pick<ImporterGit, 'changedPaths'>,
  store: Pick<ImportStore, 'namedDeployments'>,
  batch: CommitInfo[],
): Promise<{ batch: CommitInfo[]; checks: Map<string, TrailerCheck> }> {
  const claimed = new Map<string, string>();
  for (const c of batch) {
    const id = trailerDeploymentId(c.message);
    if (id !== null) claimed.set(c.sha, id);
  }
  const checks = new Map<string, TrailerCheck>();
  if (claimed.size === 0) return { batch, checks };
  const ids = [...new Set([...claimed.values()].filter(isDeploymentId).map((v) => v.toLowerCase()))];
  const named = await store.namedDeployments(ids);
  const out: CommitInfo[] = [];
  for (const c of batch) {
    const id = claimed.get(c.sha);
    if (id === undefined) {
      out.push(c);
      continue;
    }
    const check = judgeTrailer(c.sha, id, isDeploymentId(id) ? (named.get(id.toLowerCase()) ?? null) : null);
    checks.set(c.sha, check);
    out.push(check.trust === 'commit' || c.changedPaths.length > 0 ? c : { ...c, changedPaths: await git.changedPaths(c.sha) });
  }
  return { batch: out, checks };
}
