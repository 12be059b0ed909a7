/**
 * Opens the manifests repo the controller writes to: creates the default local
 * bare repo on first start (embedded mode), builds the git adapter, and pairs it
 * with the renderer that turns a desired state into a service directory.
 */
import { createGitAdapter, ensureBareRepo } from '../adapters/git/index.js';
import type { FileChange, GitAdapter } from '../adapters/git/types.js';
import { serviceFilePaths } from '../manifests/render.js';
import { renderOrRewrite } from '../manifests/broken-folder.js';
import { useTemplateDir } from '../manifests/template.js';
import type { ControllerConfig } from '../config.js';
import type { Logger } from '@kubidu/core/logger';
import type { ServiceRenderer } from './manifests-writer.js';

export interface ManifestsRepo {
  git: GitAdapter;
  render: ServiceRenderer;
}

/** Reads a service's current files from the tip, renders the desired state over them (or anew, when they are broken). */
export const renderService: ServiceRenderer = async (desired, view) => {
  const paths = Object.values(serviceFilePaths(desired.project, desired.service));
  const existing = new Map<string, string | null>();
  for (const p of paths) existing.set(p, await view.readFile(p));
  const { files, broken } = renderOrRewrite(existing, desired);
  const out: FileChange[] = [];
  for (const [path, content] of files) out.push({ path, content });
  return { files: out, broken };
};

export async function openManifestsRepo(config: ControllerConfig, logger: Logger): Promise<ManifestsRepo> {
  useTemplateDir(config.manifestsTemplateDir);
  if (config.manifestsIsLocal) {
    const created = await ensureBareRepo(config.manifestsUrl, config.branch, config.bot);
    if (created) logger.info({ path: config.manifestsUrl }, 'created the local manifests repo');
  }
  const git = createGitAdapter({
    url: config.manifestsUrl,
    branch: config.branch,
    cacheDir: config.cacheDir,
    auth: config.auth,
    logger,
    bot: config.bot,
    maxBatch: config.pushBatch,
  });
  return { git, render: renderService };
}
