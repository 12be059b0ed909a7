/**
 * README.md's Settings table must list every variable a loader reads. The loaders'
 * sources are scanned for the names they pass to the env readers (every read goes
 * through a loader, so a new setting cannot be added without showing up here), and
 * no file below the loaders may read process.env.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every module that reads the environment: the two process loaders and the sub-configs they compose. */
const LOADERS = [
  'api/src/config.ts',
  'controller/src/config.ts',
  'controller/src/adapters/argocd/config.ts',
  'controller/src/adapters/kubernetes/config.ts',
  'controller/src/notify/config.ts',
  'core/src/config/shared.ts',
];

/** The variable names a loader source reads: the quoted name passed as `read…(env, 'NAME'…)`. */
function namesRead(source: string): string[] {
  return [...source.matchAll(/\bread[A-Z]\w*\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]);
}

/** The variable names in the first column of README.md's Settings table. */
function readmeSettings(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Settings'), readme.indexOf('\n## ', readme.indexOf('## Settings') + 1));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    for (const m of line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
  }
  return names;
}

/** Production .ts files under `dir` (no tests). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('settings', () => {
  const read = new Set(LOADERS.flatMap((f) => namesRead(readFileSync(join(ROOT, f), 'utf8'))));

  it('the scan finds the loaders’ variables (it cannot pass by finding nothing)', () => {
    for (const known of ['PORT', 'DATABASE_URL', 'KUBIDU_GIVE_UP_SECONDS', 'KUBIDU_SYNC', 'ARGOCD_URL', 'KUBIDU_KUBERNETES', 'KUBIDU_FAULT_PAUSE_AT', 'LOG_LEVEL']) {
      expect(read, known).toContain(known);
    }
    expect(read.size).toBeGreaterThan(40);
  });

  it('README.md lists every variable a loader reads', () => {
    const documented = readmeSettings();
    expect([...read].filter((n) => !documented.has(n)).sort()).toEqual([]);
  });

  it('nothing below the loaders reads process.env', () => {
    // Process entry points hand process.env to their loader; the git adapter passes the
    // environment through to the git child processes it spawns (it reads no setting from it).
    const allowed = (f: string) =>
      f === 'api/src/config.ts' || f === 'platform/src/main.ts' || f === 'platform/src/compose.ts' || f === 'controller/src/main.ts' || f.startsWith('controller/src/adapters/git/');
    const offenders = ['api/src', 'controller/src', 'core/src', 'platform/src']
      .flatMap((d) => sources(join(ROOT, d)))
      .map((p) => relative(ROOT, p))
      .filter((f) => !allowed(f) && /process\.env\b/.test(readFileSync(join(ROOT, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(offenders).toEqual([]);
  });
});
