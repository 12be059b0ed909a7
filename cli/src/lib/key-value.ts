/**
 * Parses repeated `--env K=V` / `--secret K=V` flags. Only the first '=' splits,
 * so values may contain '=' (base64, URLs with query strings).
 */
import { UsageError } from './errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `["A=1", "B=x=y"]` → `{A: "1", B: "x=y"}`; bad or repeated keys are usage errors. */
export function parseKeyValues(items: readonly (string | number)[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of items ?? []) {
    const item = String(raw);
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} expects KEY=VALUE, got ${flag === 'secret' ? 'a value without a key' : `"${item}"`}`);
    const key = item.slice(0, eq);
    if (!KEY.test(key)) throw new UsageError(`--${flag} key "${key}" must match ${KEY.source}`);
    if (Object.hasOwn(out, key)) throw new UsageError(`--${flag} ${key} is given more than once`);
    out[key] = item.slice(eq + 1);
  }
  return out;
}
