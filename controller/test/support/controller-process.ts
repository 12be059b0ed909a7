/**
 * The controller as a real child process (`controller/src/main.ts` under tsx),
 * for fault tests that SIGKILL it. Started as `node --import tsx` rather than
 * the `tsx` CLI because the CLI runs node in a grandchild and cannot relay a
 * SIGKILL: the kill must land on the process that holds the lease. A thin layer
 * over test-support/child-process.ts (lines, waitForLine, process-group signals).
 */
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from '../../../test-support/child-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ControllerProcess extends Pick<Child, 'child' | 'lines' | 'waitForLine' | 'exited'> {
  /** SIGKILL, resolved when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

const alive = new Set<ControllerProcess>();

/** Starts `npm run controller` with `env` on top of a minimal environment. */
export function startControllerProcess(env: Record<string, string>): ControllerProcess {
  const c = startChild(process.execPath, ['--import', 'tsx', 'controller/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', ...env },
  });
  const proc: ControllerProcess = {
    child: c.child,
    lines: c.lines,
    exited: c.exited,
    waitForLine: (re, timeoutMs) => c.waitForLine(re, timeoutMs),
    async kill() {
      c.signal('SIGKILL');
      await c.exited;
      alive.delete(proc);
    },
    async stop() {
      await c.stop(10_000);
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
