/**
 * The production wiring of Deps: process streams, @inquirer/prompts, ora.
 * Prompts draw on stderr when stdout is not a terminal, so `--json > file`
 * still gets a clean stdout.
 */
import { homedir } from 'node:os';
import { confirm, input, password, select } from '@inquirer/prompts';
import ora, { type Ora } from 'ora';
import type { Deps, Spinner } from './deps.js';
import { colorEnabled } from './output.js';
import { stripControls, terminalSafe } from './terminal-safe.js';

/** Deps for the real `kubidu` process. */
export function realDeps(): Deps {
  const context = { output: process.stdout.isTTY ? process.stdout : process.stderr };
  const env = process.env;
  return {
    // Everything printed passes through terminalSafe: no control characters from outside reach the terminal.
    stdout: terminalSafe(process.stdout, colorEnabled(process.stdout, env)),
    stderr: terminalSafe(process.stderr, colorEnabled(process.stderr, env)),
    interactive: process.stdin.isTTY === true,
    env,
    cwd: process.cwd(),
    homedir: homedir(),
    fetch: globalThis.fetch,
    prompts: {
      confirm: (message, defaultValue) => confirm({ message: stripControls(message), default: defaultValue }, context),
      input: (message) => input({ message: stripControls(message), required: true }, context),
      password: (message) => password({ message: stripControls(message), mask: true }, context),
      select: (message, choices) => select({ message: stripControls(message), choices: choices.map((c) => ({ ...c, name: stripControls(c.name) })) }, context),
    },
    spinner: () => oraSpinner(colorEnabled(process.stderr, env)),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => new Date(),
    pollIntervalMs: Number(env.KUBIDU_POLL_INTERVAL_MS) > 0 ? Number(env.KUBIDU_POLL_INTERVAL_MS) : 1000,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** ora on a terminal (it draws with its own escapes, so the texts are cleaned, not the stream); lines otherwise. */
function oraSpinner(color: boolean): Spinner {
  let s: Ora | undefined;
  const interactive = process.stderr.isTTY === true;
  const line = (text: string) => process.stderr.write(`${stripControls(text)}\n`);
  return {
    start(text) {
      if (interactive) s = ora({ text: stripControls(text), stream: process.stderr, color: color ? 'cyan' : false }).start();
      else line(text);
    },
    update(text) {
      if (s) s.text = stripControls(text);
    },
    succeed(text) {
      if (interactive) s?.succeed(stripControls(text));
      else line(text);
    },
    fail(text) {
      if (interactive) s?.fail(stripControls(text));
      else line(text);
    },
    stop() {
      s?.stop();
    },
  };
}
