/**
 * Everything a command's `run(args, deps)` touches outside its arguments. The
 * real process wires in stdout, @inquirer/prompts and ora (real-deps.ts); tests
 * hand in a buffer stdout and scripted prompts while talking to a real API.
 */
import type { Writer } from './output.js';

/** The questions the CLI may ask on a terminal. */
export interface Prompts {
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  input(message: string): Promise<string>;
  password(message: string): Promise<string>;
  select<T>(message: string, choices: { name: string; value: T }[]): Promise<T>;
}

/** A progress indicator for `--wait` (ora on a terminal, silent otherwise). */
export interface Spinner {
  start(text: string): void;
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

/** The command's world. */
export interface Deps {
  stdout: Writer;
  stderr: Writer;
  /** Whether a human can answer prompts (stdin is a terminal). */
  interactive: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  homedir: string;
  fetch: typeof fetch;
  prompts: Prompts;
  spinner(): Spinner;
  sleep(ms: number): Promise<void>;
  now(): Date;
  /** How often `--wait` polls the deployment. */
  pollIntervalMs: number;
  /** All of stdin as text, for a secret piped in (`printf %s "$V" | kubidu env set --secret K`) when not interactive. */
  readStdin(): Promise<string>;
}

/** The options every command accepts. */
export interface GlobalArgs {
  apiUrl: string;
  token?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Default API URL when neither --api-url nor KUBIDU_API_URL is given. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
