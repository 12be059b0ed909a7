// Micro-harness: writeMany of N services on a copy of a bench repo (local remote), timed.
import { cpSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitAdapter } from '/work/main/controller/src/adapters/git/index.js';
import { createManifestsWriter } from '/work/main/controller/src/reconcile/manifests-writer.js';
import { createServiceRenderer } from '/work/main/controller/src/reconcile/manifests-repo.js';
import { readDesiredState, serviceFilePaths } from '/work/main/controller/src/manifests/render.js';

const size = Number(process.env.S ?? 1000), n = Number(process.env.N ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'wm-'));
const bare = join(dir, 'remote.git');
cpSync(`/tmp/kubidu-bench/repos/s${size}-h20000.git`, bare, { recursive: true });
const git = createGitAdapter({ url: bare, branch: 'main', cacheDir: join(dir, 'cache'), maintainEvery: 0, logger: { info: (o: any, m: string) => { if (m === 'manifests commit pushed') console.log(JSON.stringify(o.ms)); }, warn() {}, error() {}, debug() {} } as any });
const w = createManifestsWriter(git, createServiceRenderer());
const tip = await git.fetchTip();
const states = [];
for (let i = 0; i < n; i++) {
  const svc = `svc-${String(i).padStart(5, '0')}`;
  const r = { state: { project: 'bench', service: svc, image: `ghcr.io/acme/${svc}:x`, port: 8080, replicas: 2, cpuLimit: '250m', memoryLimit: '256Mi', env: { GREETING: 'hello: world', LOG_LEVEL: 'info' }, secretName: null } };
  states.push({ ...r.state, deploymentId: `d-${i}` });
}
for (let k = 0; k < Number(process.env.K ?? 4); k++) {
  const desired = states.map((s) => ({ ...s, image: s.image.replace(/:.*$/, `:rel-${k}`) }));
  const t0 = performance.now();
  const res = await w.writeMany(desired, `release ${k}\n\nKubidu-Release: r${k}\n`, undefined);
  console.log(`write ${k}: ${(performance.now() - t0).toFixed(0)} ms ${res.sha?.slice(0, 8)}`);
}
rmSync(dir, { recursive: true, force: true });
