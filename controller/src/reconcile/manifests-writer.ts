/**
 * Joins the manifests renderer to the git adapter: one desired state becomes one
 * commit holding only the files that changed. The adapter orders one process's
 * writes (and, with maxBatch, pushes what queued up as one chain); other
 * processes are handled by its fetch-rebuild-retry on rejection. A service folder
 * broken by hand is rewritten whole, and the commit body names the commit that
 * broke it. `faults` is the fault tests' pause hook (a no-op by default).
 */
import type { ChangeInfo, FileChange, GitAdapter, TreeView } from '../adapters/git/types.js';
import { withBodyNote } from '../adapters/git/commit-message.js';
import type { BrokenFolder } from '../manifests/broken-folder.js';
import type { DesiredState, ManifestsWriter } from './deploy-one.js';
import { NO_FAULT_PAUSE, type FaultPause } from './fault-pause.js';
import { eachLimited } from './each-limited.js';

/** Service folders of one release rendered at once (their blob reads overlap). */
const RENDER_CONCURRENCY = 16;

/** What a renderer produced: the files of the service folder that change, and the broken folder it replaced, if any. */
export interface RenderedService {
  files: FileChange[];
  broken: BrokenFolder | null;
}

/** Renders a service directory: given the tip it plans on, returns the files that change (with their new content). */
export type ServiceRenderer = (desired: DesiredState, view: Pick<TreeView, 'readFile' | 'oidOf'>) => Promise<RenderedService>;

/** The commit-body paragraph and the status note for a folder rewritten whole. */
export function describeRewrite(broken: BrokenFolder, culprit: ChangeInfo | null): { body: string; status: string } {
  const by = culprit ? `commit ${culprit.sha} ("${culprit.subject}" by ${culprit.author.name} <${culprit.author.email}>)` : 'an unknown commit';
  return {
    body:
      `The service folder ${broken.folder} on the tip could not be edited (${broken.problem}); ` +
      `it was last changed by ${by}. Rewrote the folder whole from this deployment's desired state.`,
    status: `rewrote ${broken.folder} whole (${culprit ? `broken by commit ${culprit.sha.slice(0, 8)} by ${culprit.author.name}` : 'broken'}: ${broken.problem})`,
  };
}

/** One desired state → one commit of only the changed files, pushed by the adapter (which orders and batches writes). */
export function createManifestsWriter(
  git: GitAdapter,
  render: ServiceRenderer,
  faults: FaultPause = NO_FAULT_PAUSE,
): ManifestsWriter {
  return {
    async write(desired, message, author) {
      let tip: string | null = null;
      let rewrote: string | null = null;
      const res = await git.commitAndPush(async (view) => {
        tip = view.tip;
        rewrote = null;
        const rendered = await render(desired, view);
        const changed = rendered.files;
        if (changed.length === 0) return null;
        let text = message;
        if (rendered.broken) {
          const note = describeRewrite(rendered.broken, await view.lastChange(rendered.broken.folder));
          text = withBodyNote(message, note.body);
          rewrote = note.status;
        }
        return { files: changed, message: text, ...(author ? { author } : {}) };
      }, faults.at === 'after-commit-written'
        ? { hooks: { afterCommitWritten: () => faults.pause('after-commit-written', desired.deploymentId) } }
        : undefined);
      const sha = res.sha ?? tip;
      if (!sha) throw new Error('the manifests repo has no commits and nothing was written');
      return { sha, noop: res.noop, attempts: res.attempts, rewrote: res.noop ? null : rewrote };
    },
    findDeploymentCommit(deploymentId) {
      return git.findCommitWithTrailer('Kubidu-Deployment', deploymentId);
    },
    async writeMany(desired, message, author) {
      let tip: string | null = null;
      let rewrote: string[] = [];
      const res = await git.commitAndPush(async (view) => {
        tip = view.tip;
        rewrote = [];
        const changed: FileChange[] = [];
        const notes: string[] = [];
        // The folders are rendered a few at a time so their blob reads overlap; the results keep `desired`'s order.
        const rendered: RenderedService[] = new Array(desired.length);
        await eachLimited(desired, RENDER_CONCURRENCY, async (d, i) => {
          rendered[i] = await render(d, view);
        });
        for (const r of rendered) {
          changed.push(...r.files);
          if (r.broken) {
            const note = describeRewrite(r.broken, await view.lastChange(r.broken.folder));
            notes.push(note.body);
            rewrote.push(note.status);
          }
        }
        if (changed.length === 0) return null;
        const text = notes.length > 0 ? withBodyNote(message, notes.join('\n\n')) : message;
        return { files: changed, message: text, ...(author ? { author } : {}) };
      });
      const sha = res.sha ?? tip;
      if (!sha) throw new Error('the manifests repo has no commits and nothing was written');
      return { sha, noop: res.noop, attempts: res.attempts, rewrote: res.noop ? [] : rewrote };
    },
    findReleaseCommit(releaseId) {
      return git.findCommitWithTrailer('Kubidu-Release', releaseId);
    },
  };
}
