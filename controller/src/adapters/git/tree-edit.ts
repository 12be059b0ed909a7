/**
 * Building the new trees of one commit: only the trees on the paths that changed,
 * each a byte splice of its parent version (objects.ts `editTree`), never a walk or
 * a re-serialisation of the repository.
 */
import { GitInvalidChangeError } from './errors.js';
import { MODE_FILE, MODE_TREE, editTree, makeObject, type ParsedTree, type RawObject, type TreeEdit } from './objects.js';
import type { ObjectStore } from './object-store.js';

/** Validates and normalises a repo-relative path: a planned change never escapes the repo or touches `.git`. */
export function normPath(p: string): string {
  const clean = p.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const parts = clean.split('/');
  if (!clean || parts.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
    throw new GitInvalidChangeError(`invalid path in planned commit: ${JSON.stringify(p)}`);
  }
  return clean;
}

/**
 * The parsed form of `raw` = `tree` with `edits` applied, when every edit only
 * replaces the oid of an existing entry (same name, same mode: same offsets) —
 * the usual case of a service folder changing inside a 10,000-entry folder.
 * Shares the name index and entry objects with the parent version, so the next
 * commit needs no 10,000-entry parse and a cached version costs one array.
 */
function deriveParsed(tree: ParsedTree, edits: Map<string, TreeEdit>, raw: Buffer): ParsedTree | null {
  if (raw.length !== tree.raw.length) return null;
  const entries = tree.entries.slice();
  for (const [name, edit] of edits) {
    const idx = tree.byName.get(name);
    if (idx === undefined || !edit || edit.mode !== entries[idx].mode) return null;
    entries[idx] = { ...entries[idx], oid: edit.oid };
  }
  return { raw, entries, byName: tree.byName };
}

/**
 * The tree `treeOid` with `changes` applied (normalised path → blob oid, or null to
 * delete), recursing only into the folders a change touches. New trees are pushed to
 * `out` (each carrying its parent version as a delta base for a thin pack) and kept in
 * the store's caches. Returns the new tree's oid, or null when it ends up empty.
 */
export async function buildTree(store: ObjectStore, treeOid: string | null, changes: Map<string, string | null>, out: RawObject[]): Promise<string | null> {
  const tree = treeOid ? await store.tree(treeOid) : null;
  const files = new Map<string, string | null>();
  const dirs = new Map<string, Map<string, string | null>>();
  for (const [p, oid] of changes) {
    const slash = p.indexOf('/');
    if (slash < 0) files.set(p, oid);
    else {
      const d = p.slice(0, slash);
      if (!dirs.has(d)) dirs.set(d, new Map());
      dirs.get(d)!.set(p.slice(slash + 1), oid);
    }
  }
  const edits = new Map<string, TreeEdit>();
  for (const [name, oid] of files) {
    const idx = tree?.byName.get(name);
    const existing = idx === undefined ? null : tree!.entries[idx];
    if (existing?.mode === MODE_TREE) throw new GitInvalidChangeError(`cannot write file ${name}: a folder has that name`);
    if (oid === null) {
      if (existing) edits.set(name, null);
    } else edits.set(name, { mode: existing?.mode ?? MODE_FILE, oid });
  }
  for (const [name, sub] of dirs) {
    const idx = tree?.byName.get(name);
    const existing = idx === undefined ? null : tree!.entries[idx];
    if (existing && existing.mode !== MODE_TREE) throw new GitInvalidChangeError(`cannot write into ${name}/: a file has that name`);
    const newSub = await buildTree(store, existing?.oid ?? null, sub, out);
    if (newSub === null) {
      if (existing) edits.set(name, null);
    } else if (newSub !== existing?.oid) edits.set(name, { mode: MODE_TREE, oid: newSub });
  }
  if (edits.size === 0) return treeOid;
  const raw = editTree(tree, edits);
  if (raw.length === 0) return null;
  const obj: RawObject = makeObject('tree', raw);
  if (tree && treeOid) {
    obj.deltaBase = { oid: treeOid, content: tree.raw };
    const derived = deriveParsed(tree, edits, raw);
    if (derived) store.keepParsed(obj.oid, derived);
  }
  store.remember(obj);
  out.push(obj);
  return obj.oid;
}
