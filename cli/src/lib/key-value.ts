/**
 * Parses repeated `--env K=V` / `--secret K=V` flags. Only the first '=' splits,
 * so values may contain '=' (base64, URLs with query strings).
 */
import { UsageError } from './errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An env variable name as the API accepts it. */
export const ENV_KEY = KEY;

/**
 * `["A=1", "B=x=y"]` → `{A: "1", B: "x=y"}`; bad or repeated keys are usage errors
 * naming `--flag` (or `label`, for positional arguments).
 */
export function parseKeyValues(items: readonly (string | number)[] | undefined, flag: string, label = `--${flag}`): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of items ?? []) {
    const item = String(raw);
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${label} expects KEY=VALUE, got ${flag === 'secret' ? 'a value without a key' : `"${item}"`}`);
    const key = item.slice(0, eq);
    if (!KEY.test(key)) throw new UsageError(`${label} key "${key}" must match ${KEY.source}`);
    if (Object.hasOwn(out, key)) throw new UsageError(`${label} ${key} is given more than once`);
    out[key] = item.slice(eq + 1);
  }
  return out;
}
