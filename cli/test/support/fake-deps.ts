/**
 * Deps for calling a command's `run(args, deps)` in-process: buffer stdout and
 * stderr, scripted prompt answers (recording what was on stdout when each
 * question was asked), a recording spinner, the real fetch.
 */
import type { Deps, Prompts } from '../../src/lib/deps.js';

export interface Asked {
  kind: 'confirm' | 'input' | 'password' | 'select';
  message: string;
  defaultValue?: boolean;
  /** stdout as it was when the question appeared. */
  stdoutBefore: string;
}

export interface FakeDeps extends Deps {
  out(): string;
  err(): string;
  asked: Asked[];
  spinnerLog: string[];
}

/**
 * Builds the fake; `answers` are consumed in order. `now` pins the clock the
 * relative times ("just now", "5m ago") are computed from, so an assertion on
 * them holds however slow the machine is.
 */
export function fakeDeps(opts: { cwd: string; configDir: string; interactive?: boolean; answers?: unknown[]; now?: () => Date; stdin?: string }): FakeDeps {
  let stdout = '';
  let stderr = '';
  const answers = [...(opts.answers ?? [])];
  const asked: Asked[] = [];
  const spinnerLog: string[] = [];
  const next = <T>(a: Omit<Asked, 'stdoutBefore'>): T => {
    asked.push({ ...a, stdoutBefore: stdout });
    if (answers.length === 0) throw new Error(`unexpected question: ${a.message}`);
    return answers.shift() as T;
  };
  const prompts: Prompts = {
    confirm: async (message, defaultValue) => next<boolean>({ kind: 'confirm', message, defaultValue }),
    input: async (message) => next<string>({ kind: 'input', message }),
    password: async (message) => next<string>({ kind: 'password', message }),
    select: async <T>(message: string, choices: { name: string; value: T }[]) => {
      const pick = next<string>({ kind: 'select', message });
      const hit = choices.find((c) => c.name.startsWith(pick));
      if (!hit) throw new Error(`no choice "${pick}" in ${choices.map((c) => c.name).join(', ')}`);
      return hit.value;
    },
  };
  return {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    interactive: opts.interactive ?? false,
    env: { XDG_CONFIG_HOME: opts.configDir },
    cwd: opts.cwd,
    homedir: '/nonexistent-home',
    fetch: globalThis.fetch,
    prompts,
    spinner: () => ({
      start: (t) => spinnerLog.push(`start ${t}`),
      update: (t) => spinnerLog.push(`update ${t}`),
      succeed: (t) => spinnerLog.push(`succeed ${t}`),
      fail: (t) => spinnerLog.push(`fail ${t}`),
      stop: () => spinnerLog.push('stop'),
    }),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: opts.now ?? (() => new Date()),
    pollIntervalMs: 100,
    readStdin: async () => opts.stdin ?? '',
    out: () => stdout,
    err: () => stderr,
    asked,
    spinnerLog,
  };
}
