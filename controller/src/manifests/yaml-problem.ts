/**
 * One line saying what is wrong with a YAML file. The `yaml` library's messages
 * end with a colon and a code frame over several lines; a status row, a commit
 * body and a terminal need the whole sentence on one line instead.
 */
import type { Document, YAMLError } from 'yaml';

/** "Map keys must be unique at line 51, column 1" from a `yaml` parse error (no code frame, no trailing colon). */
export function describeYamlError(err: Pick<YAMLError, 'message'>): string {
  const first = err.message.split('\n', 1)[0].trim();
  return first.replace(/[\s:]+$/, '') || 'the YAML does not parse';
}

/**
 * Alias expansions a hand-edited file may make when read (`yaml`'s maxAliasCount, set
 * here rather than left to the library's default). Kubidu writes no aliases; a
 * "billion laughs" document makes millions, and the library stops it past this bound.
 */
export const MAX_YAML_ALIAS_EXPANSIONS = 100;

/**
 * A parsed document as plain JS, with alias expansion bounded: a file that expands too
 * many aliases (or fails to convert at all) becomes a one-line reason naming `what`,
 * never an exception (an exception would make the git door retry the commit).
 */
export function plainOf(doc: Pick<Document, 'toJS'>, what: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS }) };
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      return {
        ok: false,
        error: `${what} expands YAML aliases more than ${MAX_YAML_ALIAS_EXPANSIONS} times (an alias bomb?); Kubidu does not read it`,
      };
    }
    return { ok: false, error: `${what} cannot be read: ${describeYamlError({ message: err instanceof Error ? err.message : String(err) })}` };
  }
}
