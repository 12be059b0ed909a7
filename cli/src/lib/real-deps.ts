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

/** Deps for the real `kubidu` process. */
export function realDeps(): Deps {
  const context = { output: process.stdout.isTTY ? process.stdout : process.stderr };
  const env = process.env;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY === true,
    env,
    cwd: process.cwd(),
    homedir: homedir(),
    fetch: globalThis.fetch,
    prompts: {
      confirm: (message, defaultValue) => confirm({ message, default: defaultValue }, context),
      input: (message) => input({ message, required: true }, context),
      password: (message) => password({ message, mask: true }, context),
      select: (message, choices) => select({ message, choices }, context),
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

function oraSpinner(color: boolean): Spinner {
  let s: Ora | undefined;
  const interactive = process.stderr.isTTY === true;
  return {
    start(text) {
      if (interactive) s = ora({ text, stream: process.stderr, color: color ? 'cyan' : false }).start();
      else process.stderr.write(`${text}\n`);
    },
    update(text) {
      if (s) s.text = text;
    },
    succeed(text) {
      if (interactive) s?.succeed(text);
      else process.stderr.write(`${text}\n`);
    },
    fail(text) {
      if (interactive) s?.fail(text);
      else process.stderr.write(`${text}\n`);
    },
    stop() {
      s?.stop();
    },
  };
}
