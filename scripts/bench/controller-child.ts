/**
 * A controller as its own process (`node --import tsx controller/src/main.ts`,
 * i.e. `tsx controller/src/main.ts` without tsx's wrapper, so the pid is the
 * controller's): sections 4 and 6 need real processes — two sharing a database,
 * and one whose memory /proc can see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerEnv, type Stack } from './setup.js';
import { advanceTarget, ended, rollback, waitRows } from './fleet.js';
import { pick, ROOT, sleep } from './util.js';

/** A running controller child. */
export interface Child {
  name: string;
  dataDir: string;
  proc: ChildProcess;
  /** Commits this child logged as pushed. */
  pushes: Set<string>;
  ready: Promise<void>;
  /** The controller process's own VmRSS / VmHWM (its git children not included). */
  rss(): { rssMb: number; hwmMb: number };
  stop(): Promise<void>;
}

/** Spawns a controller on the stack's database and remote (and its Argo CD test server, when the stack has one). */
export function spawnController(s: Stack, name: string): Child {
  const dataDir = mkdtempSync(join(tmpdir(), `kubidu-bench-${name}-`));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ARGOCD_|KUBIDU_|MANIFESTS_|DATABASE_URL)/.test(k)) env[k] = v;
  Object.assign(env, controllerEnv(s, dataDir), { DATABASE_URL: s.dbUrl, KUBIDU_WORKER_ID: name });
  const proc = spawn(process.execPath, ['--import', 'tsx', 'controller/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pushes = new Set<string>();
  let buf = '';
  let stderr = '';
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((readyResolve = res), (readyReject = rej)));
  proc.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const rec = JSON.parse(line);
        s.rec.onLine(rec, rec.msg);
        if (rec.msg === 'manifests commit pushed') pushes.add(rec.sha);
        if (typeof rec.msg === 'string' && rec.msg.startsWith('controller started')) readyResolve();
        if (rec.level === 'error') s.rec.errors.push(`${name}: ${line}`);
      } catch {
        /* not a log line */
      }
    }
  });
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  proc.on('exit', (code) => readyReject(new Error(`controller ${name} exited ${code}: ${stderr.slice(-2000)}`)));
  return {
    name,
    dataDir,
    proc,
    pushes,
    ready,
    rss() {
      const st = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? NaN);
      return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fires small waves until every child has pushed at least once (their first commit fetches the store). */
export async function warmChildren(s: Stack, children: Child[]) {
  for (let round = 0; round < 10 && children.some((c) => c.pushes.size === 0); round++) {
    const idx = pick(s.services, 2 * children.length);
    const ids = await Promise.all(idx.map((i) => rollback(s, i)));
    await waitRows(s.ds, ids, ended, 300_000);
    for (const [k, i] of idx.entries()) await advanceTarget(s, i, ids[k]);
  }
}
