/**
 * The files a service folder and a fresh manifests repo start from, read once
 * from manifests-template/ (the single source of truth for what a service looks like).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findUp } from '@kubidu/core/paths';

/** The checkout's manifests-template/ folder: the default when KUBIDU_MANIFESTS_TEMPLATE_DIR is unset. */
export const DEFAULT_TEMPLATE_DIR =
  findUp(import.meta.url, 'manifests-template') ?? fileURLToPath(new URL('../../../manifests-template', import.meta.url));

/** Alias of DEFAULT_TEMPLATE_DIR for tests that read the templates themselves. */
export const TEMPLATE_DIR = DEFAULT_TEMPLATE_DIR;

let templateDir = DEFAULT_TEMPLATE_DIR;
let cached: { deployment: string; service: string } | undefined;

/**
 * Points the renderer and the fresh-repo writer at `dir` (holding base/ and repo/).
 * Called once by the controller's composition with the loaded
 * KUBIDU_MANIFESTS_TEMPLATE_DIR, before anything is rendered; this module never
 * reads the environment itself.
 */
export function useTemplateDir(dir: string): void {
  if (dir === templateDir) return;
  templateDir = dir;
  cached = undefined;
}

/** The base Deployment and Service YAML a new service folder is copied from. */
export function baseTemplates(): { deployment: string; service: string } {
  cached ??= {
    deployment: readFileSync(join(templateDir, 'base', 'deployment.yaml'), 'utf8'),
    service: readFileSync(join(templateDir, 'base', 'service.yaml'), 'utf8'),
  };
  return cached;
}

/** The files of a fresh manifests repo (repo-relative path → content). */
export async function freshRepoFiles(): Promise<Map<string, string>> {
  const root = join(templateDir, 'repo');
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}
