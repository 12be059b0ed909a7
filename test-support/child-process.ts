/**
 * A real child process a test starts, reads line by line and signals: `npm start`,
 * the built bundles, `podman run`. It runs in its own process group, so a signal
 * reaches every process of it (npm → sh → node), as a container runtime or a
 * terminal's Ctrl-C would.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A started process and its output so far. */
export interface Child {
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Resolves with the first line (past or future) matching `re`; rejects on timeout or exit. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` to the whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; `forced` says whether SIGKILL was needed. */
  stop(graceMs?: number): Promise<{ code: number | null; forced: boolean }>;
  exited: Promise<number | null>;
}

const alive = new Set<Child>();

/** Starts `command args` in `cwd` with exactly `env`. */
export function startChild(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Child {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let gone = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => {
    gone = true;
    alive.delete(proc);
    for (const w of [...waiters]) w();
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
      for (const w of [...waiters]) w();
    });
  }
  const signal = (sig: NodeJS.Signals) => {
    if (gone || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const proc: Child = {
    child,
    lines,
    exited,
    signal,
    waitForLine(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
          } else if (gone) {
            done();
            reject(new Error(`${command} exited before printing ${re}; output:\n${lines.slice(-30).join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      let forced = false;
      signal('SIGTERM');
      const t = setTimeout(() => {
        forced = true;
        signal('SIGKILL');
      }, graceMs);
      const code = await exited;
      clearTimeout(t);
      return { code, forced };
    },
  };
  alive.add(proc);
  return proc;
}

/** SIGKILLs every child still running (afterAll, also when a test failed). */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...alive].map(async (p) => {
      p.signal('SIGKILL');
      await p.exited;
    }),
  );
}
