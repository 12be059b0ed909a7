/**
 * The embedded default remote: a bare repo under the data dir that people can
 * `git clone <path>`, revert in and `git push` to with plain git. Created once,
 * with a first commit holding the fresh layout from manifests-template/.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { freshRepoFiles } from '../../manifests/template.js';
import { MODE_FILE, MODE_TREE, editTree, makeObject, serializeCommit, writeLoose, type RawObject, type TreeEdit } from './objects.js';

const execFileAsync = promisify(execFile);

/** Creates `path` as a bare repo on `branch` with the fresh manifests layout, unless it already exists. Returns true when created. */
export async function ensureBareRepo(path: string, branch = 'main', bot = { name: 'Kubidu', email: 'bot@kubidu.local' }): Promise<boolean> {
  if (existsSync(join(path, 'HEAD'))) return false;
  await fsp.mkdir(dirname(path), { recursive: true });
  await execFileAsync('git', ['init', '-q', '--bare', '-b', branch, path]);
  // Plain `git push` by path works for a bare repo; keep history safe from force pushes by people.
  await execFileAsync('git', ['-C', path, 'config', 'receive.denyNonFastForwards', 'true']);
  await execFileAsync('git', ['-C', path, 'config', 'receive.denyDeletes', 'true']);
  const files = await freshRepoFiles();
  const objects: RawObject[] = [];
  const root = writeTreeOf(files, objects);
  const commit = makeObject(
    'commit',
    serializeCommit({ tree: root, parents: [], author: bot, committer: bot, timestamp: Math.floor(Date.now() / 1000), message: 'chore: initial manifests layout\n\nCreated by Kubidu.\n' }),
  );
  objects.push(commit);
  await writeLoose(path, objects);
  await execFileAsync('git', ['-C', path, 'update-ref', `refs/heads/${branch}`, commit.oid, '0'.repeat(40)]);
  return true;
}

function writeTreeOf(files: Map<string, string>, out: RawObject[]): string {
  const here = new Map<string, TreeEdit>();
  const sub = new Map<string, Map<string, string>>();
  for (const [p, content] of files) {
    const i = p.indexOf('/');
    if (i < 0) {
      const blob = makeObject('blob', Buffer.from(content, 'utf8'));
      out.push(blob);
      here.set(p, { mode: MODE_FILE, oid: blob.oid });
    } else {
      const d = p.slice(0, i);
      if (!sub.has(d)) sub.set(d, new Map());
      sub.get(d)!.set(p.slice(i + 1), content);
    }
  }
  for (const [d, m] of sub) here.set(d, { mode: MODE_TREE, oid: writeTreeOf(m, out) });
  const tree = makeObject('tree', editTree(null, here));
  out.push(tree);
  return tree.oid;
}

