/**
 * The controller as a real child process (`controller/src/main.ts` under tsx),
 * for fault tests that SIGKILL it. Started as `node --import tsx` rather than
 * the `tsx` CLI because the CLI runs node in a grandchild and cannot relay a
 * SIGKILL: the kill must land on the process that holds the lease.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ControllerProcess {
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Resolves with the first line (past or future) matching `re`; rejects on timeout or exit. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL, resolved when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 10 s. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

const alive = new Set<ControllerProcess>();

/** Starts `npm run controller` with `env` on top of a minimal environment. */
export function startControllerProcess(env: Record<string, string>): ControllerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const w of waiters) w();
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      for (const w of waiters) w();
    });
  }
  const proc: ControllerProcess = {
    child,
    lines,
    exited,
    waitForLine(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
          } else if (gone) {
            done();
            reject(new Error(`controller exited before printing ${re}; output:\n${lines.slice(-30).join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
      alive.delete(proc);
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      alive.delete(proc);
    },
  };
  alive.add(proc);
  return proc;
}

/** SIGKILLs every controller process still running (call in afterAll, also when a test failed). */
export async function killAllControllerProcesses(): Promise<void> {
  await Promise.all([...alive].map((p) => p.kill()));
}
