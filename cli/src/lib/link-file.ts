/**
 * `.kubidu.json`: ties a directory (and everything below it) to one service,
 * found by walking up from the current directory like git finds `.git`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

/** The link file's name. */
export const LINK_FILE = '.kubidu.json';

/** What `kubidu link` writes. Ids are authoritative; names are for humans. */
export interface LinkData {
  projectId: string;
  serviceId: string;
  projectName?: string;
  serviceName?: string;
}

/** Finds the nearest `.kubidu.json` at or above `cwd`. */
export async function findLink(cwd: string): Promise<{ path: string; data: LinkData } | undefined> {
  let dir = cwd;
  for (;;) {
    const path = join(dir, LINK_FILE);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EACCES') throw err;
    }
    if (text !== undefined) {
      let data: Partial<LinkData>;
      try {
        data = JSON.parse(text) as Partial<LinkData>;
      } catch {
        throw new CliError('LINK_INVALID', `${path} is not valid JSON; run "kubidu link" again`);
      }
      if (typeof data.projectId !== 'string' || typeof data.serviceId !== 'string') {
        throw new CliError('LINK_INVALID', `${path} has no projectId/serviceId; run "kubidu link" again`);
      }
      return { path, data: data as LinkData };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Writes `.kubidu.json` into `dir`; returns its path. */
export async function writeLink(dir: string, data: LinkData): Promise<string> {
  const path = join(dir, LINK_FILE);
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
