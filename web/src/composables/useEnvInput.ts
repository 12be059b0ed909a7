/**
 * The deploy form's env boxes: one `KEY=value` a line, as `kubidu deploy --env`
 * takes them. Only the shape of a line is checked here; the key and value rules
 * are the API's, whose messages the form shows as they come.
 */

/** A parse: the variables, or the first line that is not `KEY=value`. */
export type EnvParse = { ok: true; vars: Record<string, string> } | { ok: false; message: string };

/** `"A=1\nB=x=y"` → `{A: "1", B: "x=y"}`; blank lines are skipped; a repeated key or a line without `=` is refused (pure). */
export function parseEnvLines(text: string, what = 'Env'): EnvParse {
  const vars: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { ok: false, message: `${what}, line ${i + 1}: write KEY=value (got "${line.trim().slice(0, 40)}").` };
    const key = line.slice(0, eq).trim();
    if (key in vars) return { ok: false, message: `${what}, line ${i + 1}: ${key} is set twice.` };
    vars[key] = line.slice(eq + 1);
  }
  return { ok: true, vars };
}
