/**
 * Typed readers for environment variables, shared by every process's config
 * loader (api/src/config.ts, controller/src/config.ts). Each reader either
 * returns a value of the right type or throws one ConfigError (code
 * CONFIG_INVALID) whose message names the variable, the value it got and what
 * is allowed — so a typo fails the process at start-up, never later as a NaN
 * or a silently ignored setting. Secret values are never echoed.
 */
import { resolve } from 'node:path';

/** The environment a loader reads: `process.env` in production, a plain object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A setting is missing or malformed; `variable` names it. The one config error of every Kubidu process. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The variable's value, trimmed; undefined when unset or blank (blank means "use the default"). */
export function readRaw(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** A free-form string; `def` when unset or blank. */
export function readString(env: Env, name: string): string | undefined;
export function readString(env: Env, name: string, def: string): string;
export function readString(env: Env, name: string, def?: string): string | undefined {
  return readRaw(env, name) ?? def;
}

/** A secret (password, token, key): taken as given, untrimmed, and never put in an error message. */
export function readSecret(env: Env, name: string): string | undefined {
  return env[name] || undefined;
}

/** A whole number within [min, max]; `def` when unset. */
export function readInt(env: Env, name: string, opts: { default: number; min: number; max: number }): number {
  const raw = readRaw(env, name);
  if (raw === undefined) return opts.default;
  const n = /^[-+]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < opts.min || n > opts.max) {
    throw new ConfigError(name, `${name} must be an integer between ${opts.min} and ${opts.max}, got '${raw}'`);
  }
  return n;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** true/false (also 1/0, yes/no, on/off, any case); `def` when unset. */
export function readBoolean(env: Env, name: string, def: boolean): boolean {
  const raw = readRaw(env, name);
  if (raw === undefined) return def;
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(name, `${name} must be true or false, got '${raw}'`);
}

/** One of `allowed` (matched without regard to case, returned as spelt in `allowed`); `def` when unset. */
export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], def: T): T;
export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], def?: undefined): T | undefined;
export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], def?: T): T | undefined {
  const raw = readRaw(env, name);
  if (raw === undefined) return def;
  const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (hit === undefined) throw new ConfigError(name, `${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return hit;
}

/**
 * An absolute URL with one of `protocols` (e.g. ['http:', 'https:']); undefined when unset.
 * A user:password part is refused (credentials go in their own secret variables) unless
 * `credentials` is true — then the value may hold a password and is never echoed.
 */
export function readUrl(
  env: Env,
  name: string,
  opts: { protocols: readonly string[]; example: string; credentials?: boolean },
): string | undefined {
  const raw = readRaw(env, name);
  if (raw === undefined) return undefined;
  const schemes = opts.protocols.map((p) => `${p}//`).join(' or ');
  const got = opts.credentials ? '(value not shown: it may hold a password)' : `got '${raw}'`;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `${name} must be a URL starting with ${schemes} such as ${opts.example}, ${got}`);
  }
  if (!opts.credentials && (parsed.username || parsed.password)) {
    // Never echo it: the value carries a password.
    throw new ConfigError(name, `${name} must not contain credentials (user:password@)`);
  }
  if (!opts.protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `${name} must start with ${schemes}, got '${parsed.protocol}'`);
  }
  return raw;
}

/**
 * A duration given as a whole number of `unit` (the variable's name says which:
 * _SECONDS or _MS), between min and max of that unit; returned in milliseconds.
 */
export function readDuration(
  env: Env,
  name: string,
  opts: { unit: 's' | 'ms'; default: number; min: number; max: number },
): number {
  const factor = opts.unit === 's' ? 1000 : 1;
  const raw = readRaw(env, name);
  if (raw === undefined) return opts.default * factor;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < opts.min || n > opts.max || n <= 0) {
    const unit = opts.unit === 's' ? 'seconds' : 'milliseconds';
    throw new ConfigError(name, `${name} must be a positive whole number of ${unit} from ${opts.min} to ${opts.max}, got '${raw}'`);
  }
  return n * factor;
}

/** A filesystem path, resolved against the working directory; `def` when unset. */
export function readPath(env: Env, name: string, def: string): string;
export function readPath(env: Env, name: string): string | undefined;
export function readPath(env: Env, name: string, def?: string): string | undefined {
  const raw = readRaw(env, name) ?? def;
  return raw === undefined ? undefined : resolve(raw);
}

/** Throws the ConfigError for `name` unless `ok`: for loader rules the readers above do not cover. */
export function requireThat(ok: boolean, name: string, message: string): void {
  if (!ok) throw new ConfigError(name, message);
}
