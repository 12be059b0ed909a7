/**
 * The files a service folder and a fresh manifests repo start from, read once
 * from manifests-template/ (the single source of truth for what a service looks like).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding base/ and repo/ (overridable for packaging). */
export const TEMPLATE_DIR = process.env.KUBIDU_MANIFESTS_TEMPLATE_DIR ?? fileURLToPath(new URL('../../../manifests-template/', import.meta.url));

let cached: { deployment: string; service: string } | undefined;

/** The base Deployment and Service YAML a new service folder is copied from. */
export function baseTemplates(): { deployment: string; service: string } {
  cached ??= {
    deployment: readFileSync(join(TEMPLATE_DIR, 'base', 'deployment.yaml'), 'utf8'),
    service: readFileSync(join(TEMPLATE_DIR, 'base', 'service.yaml'), 'utf8'),
  };
  return cached;
}

/** The files of a fresh manifests repo (repo-relative path → content). */
export async function freshRepoFiles(): Promise<Map<string, string>> {
  const root = join(TEMPLATE_DIR, 'repo');
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
