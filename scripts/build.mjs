#!/usr/bin/env node
/**
 * `npm run build`: the production build, run with plain node (no tsx).
 *
 * - server: esbuild bundles our TypeScript (core, api, controller, platform, cli)
 *   into one ES module per entry point; npm packages stay external, so
 *   `npm ci --omit=dev` next to the bundles is all production needs:
 *     platform/dist/main.js   `npm start` (API + inline controller)
 *     controller/dist/main.js `npm run controller` (standalone replicas)
 *     cli/dist/kubidu.js      the `kubidu` binary (cli/bin/kubidu.js)
 * - web: `vite build` into web/dist.
 *
 * Each target writes a stamp (a hash of its inputs) beside its output and is
 * skipped when the stamp matches, so `npm start` (which runs this first) rebuilds
 * only what changed and a second start does not rebuild the web app.
 *   node scripts/build.mjs [--force] [server] [web]
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const force = args.includes('--force');
const wanted = args.filter((a) => !a.startsWith('--'));
const STAMP = '.build-stamp';

/** Files under `dir` (relative to ROOT) that `keep` accepts, sorted. */
function walk(dir, keep) {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const name of readdirSync(abs)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...walk(rel, keep));
    else if (keep(rel)) out.push(rel);
  }
  return out.sort();
}

/** sha256 over the names and contents of `files`. */
function hashOf(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(ROOT, f))).update('\0');
  return h.digest('hex');
}

const isSource = (f) => /\.(ts|mts|js|mjs|json)$/.test(f) && !/\.test\.ts$/.test(f);
const WORKSPACES = ['core', 'api', 'controller', 'platform', 'cli'];

/**
 * Bundles our workspaces and leaves every npm package external. The bundle in
 * <workspace>/dist loads a package from where node finds it from there (the root
 * node_modules), so a package npm nested under a workspace's own node_modules
 * would be missed at run time: the build fails on one instead.
 */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (a) => {
      if (a.path.startsWith('@kubidu/') || a.path.startsWith('node:') || a.pluginData === 'probe') return undefined;
      const fromImporter = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, pluginData: 'probe' });
      const fromOutput = await b.resolve(a.path, { kind: a.kind, resolveDir: join(ROOT, 'platform'), pluginData: 'probe' });
      if (fromImporter.errors.length === 0 && fromImporter.path !== fromOutput.path) {
        return { errors: [{ text: `${a.path} resolves to ${relative(ROOT, fromImporter.path)} from ${relative(ROOT, a.importer)} but to ${relative(ROOT, fromOutput.path) || 'nothing'} from the bundle; run \`npm dedupe\` so it is hoisted` }] };
      }
      return { path: a.path, external: true };
    });
  },
};

const targets = {
  server: {
    outDirs: ['platform/dist', 'controller/dist', 'cli/dist'],
    inputs: () => [
      'scripts/build.mjs',
      'package-lock.json',
      ...WORKSPACES.flatMap((w) => [`${w}/package.json`, ...walk(`${w}/src`, isSource)]),
    ],
    async build() {
      const esbuild = await import('esbuild');
      const common = {
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: true,
        logLevel: 'warning',
        // Our workspaces are bundled; every npm package is loaded from node_modules at run time.
        plugins: [externalPackages],
        // ESM output still needs `require` for the CommonJS packages esbuild leaves external.
        banner: { js: "import { createRequire as __kubiduCreateRequire } from 'node:module'; const require = __kubiduCreateRequire(import.meta.url);" },
      };
      await esbuild.build({ ...common, entryPoints: { main: 'platform/src/main.ts' }, outdir: 'platform/dist', absWorkingDir: ROOT });
      await esbuild.build({ ...common, entryPoints: { main: 'controller/src/main.ts' }, outdir: 'controller/dist', absWorkingDir: ROOT });
      await esbuild.build({ ...common, entryPoints: { kubidu: 'cli/src/main.ts' }, outdir: 'cli/dist', absWorkingDir: ROOT });
    },
  },
  web: {
    outDirs: ['web/dist'],
    inputs: () => [
      'package-lock.json',
      ...walk('web', (f) => !f.startsWith('web/test/')),
      ...walk('core/src/contract', isSource),
    ],
    async build() {
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
        cwd: join(ROOT, 'web'),
        stdio: 'inherit',
      });
      if (r.status !== 0) throw new Error(`vite build exited with ${r.status ?? r.signal}`);
    },
  },
};

for (const [name, t] of Object.entries(targets)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const hash = hashOf(t.inputs());
  const stampFile = join(ROOT, t.outDirs[0], STAMP);
  const upToDate = !force && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash;
  if (upToDate) {
    console.log(`build ${name}: up to date (${relative(ROOT, stampFile)})`);
    continue;
  }
  const started = Date.now();
  await t.build();
  for (const dir of t.outDirs) {
    mkdirSync(join(ROOT, dir), { recursive: true });
    writeFileSync(join(ROOT, dir, STAMP), hash + '\n');
  }
  console.log(`build ${name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
