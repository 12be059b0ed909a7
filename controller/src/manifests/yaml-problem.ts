/**
 * One line saying what is wrong with a YAML file. The `yaml` library's messages
 * end with a colon and a code frame over several lines; a status row, a commit
 * body and a terminal need the whole sentence on one line instead.
 */
import type { YAMLError } from 'yaml';

/** "Map keys must be unique at line 51, column 1" from a `yaml` parse error (no code frame, no trailing colon). */
export function describeYamlError(err: Pick<YAMLError, 'message'>): string {
  const first = err.message.split('\n', 1)[0].trim();
  return first.replace(/[\s:]+$/, '') || 'the YAML does not parse';
}
