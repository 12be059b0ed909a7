/**
 * Joins the manifests renderer to the git adapter: one desired state becomes one
 * commit holding only the files that changed. The adapter orders one process's
 * writes (and, with maxBatch, pushes what queued up as one chain); other
 * processes are handled by its fetch-rebuild-retry on rejection. `faults` is the
 * fault tests' pause hook (a no-op by default).
 */
import type { FileChange, GitAdapter } from '../adapters/git/types.js';
import type { DesiredState, ManifestsWriter } from './deploy-one.js';
import { NO_FAULT_PAUSE, type FaultPause } from './fault-pause.js';

/** Renders a service directory: given how to read the current files, returns every file it should hold. */
export type ServiceRenderer = (desired: DesiredState, read: (path: string) => Promise<string | null>) => Promise<FileChange[]>;

/** One desired state → one commit of only the changed files, pushed by the adapter (which orders and batches writes). */
export function createManifestsWriter(
  git: GitAdapter,
  render: ServiceRenderer,
  faults: FaultPause = NO_FAULT_PAUSE,
): ManifestsWriter {
  return {
    async write(desired, message) {
      let tip: string | null = null;
      const res = await git.commitAndPush(async (view) => {
        tip = view.tip;
        const files = await render(desired, (p) => view.readFile(p));
        const changed: FileChange[] = [];
        for (const f of files) {
          const current = await view.readFile(f.path);
          if (current !== f.content) changed.push(f);
        }
        return changed.length === 0 ? null : { files: changed, message };
      }, faults.at === 'after-commit-written'
        ? { hooks: { afterCommitWritten: () => faults.pause('after-commit-written', desired.deploymentId) } }
        : undefined);
      const sha = res.sha ?? tip;
      if (!sha) throw new Error('the manifests repo has no commits and nothing was written');
      return { sha, noop: res.noop, attempts: res.attempts };
    },
    findDeploymentCommit(deploymentId) {
      return git.findCommitWithTrailer('Kubidu-Deployment', deploymentId);
    },
  };
}
