/**
 * Opens the manifests repo the controller writes to: creates the default local
 * bare repo on first start (embedded mode), builds the git adapter, and pairs it
 * with the renderer that turns a desired state into a service directory.
 */
import { createGitAdapter, ensureBareRepo } from '../adapters/git/index.js';
import type { FileChange, GitAdapter } from '../adapters/git/types.js';
import { makeObject } from '../adapters/git/objects.js';
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

/** How many (file, port) pairs the renderer remembers as settled: two per service, at 10,000 services. */
const SETTLED_MAX = 20_000;

/**
 * The renderer of service folders. It reads a service's files on the tip and renders the
 * desired state over them (or anew, when they are broken), and answers only the files that
 * change. deployment.yaml and service.yaml depend on nothing but the service's name and port:
 * once a blob is known to render to itself for a port (this renderer wrote it, or rendered
 * over it without a change), the next render with that port skips it by its blob id — no
 * read, no parse. In a release rollback of a thousand services only each kustomization.yaml
 * moves, and that was two thirds of the render.
 */
export function createServiceRenderer(): ServiceRenderer {
  const settled = new Set<string>();
  const settle = (k: string) => {
    if (settled.has(k)) return;
    if (settled.size >= SETTLED_MAX) settled.delete(settled.values().next().value as string);
    settled.add(k);
  };
  const key = (path: string, oid: string, port: number) => `${oid}:${port}:${path}`;
  return async (desired, view) => {
    const paths = serviceFilePaths(desired.project, desired.service);
    const portBound = new Set([paths.deployment, paths.service]);
    const existing = new Map<string, string | null>();
    const skipped = new Set<string>();
    for (const p of Object.values(paths)) {
      if (portBound.has(p)) {
        const oid = await view.oidOf(p);
        if (oid && settled.has(key(p, oid, desired.port))) {
          skipped.add(p);
          continue;
        }
      }
      existing.set(p, await view.readFile(p));
    }
    let { files, broken } = renderOrRewrite(existing, desired, skipped);
    if (broken && skipped.size > 0) {
      // A folder rewritten whole is compared file by file: read the settled files after all.
      for (const p of skipped) existing.set(p, await view.readFile(p));
      ({ files, broken } = renderOrRewrite(existing, desired));
    }
    const out: FileChange[] = [];
    for (const [path, content] of files) {
      if (portBound.has(path)) settle(key(path, makeObject('blob', Buffer.from(content, 'utf8')).oid, desired.port));
      if (existing.get(path) !== content) out.push({ path, content });
    }
    return { files: out, broken };
  };
}

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
  return { git, render: createServiceRenderer() };
}
