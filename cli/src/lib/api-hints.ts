/**
 * The CLI's own words for API errors whose message names routes and body fields
 * (what an API caller needs): the CLI says the same thing with its commands and
 * flags, built from the error's `code` and `data`, never from the message text.
 */
import { clipWords } from '@kubidu/core/contract/clip';
import { shortId } from '@kubidu/core/contract/labels';

/** How much of a hold's reason the hint quotes (the API's own limit). */
const REASON_MAX = 200;

/** The CLI's message for `code`, or null to print the API's message as it is. */
export function cliHint(code: string, data: unknown): string | null {
  if (code !== 'DEPLOY_HELD' || typeof data !== 'object' || data === null) return null;
  const d = data as { rollbackId?: unknown; heldBy?: unknown; reason?: unknown };
  if (typeof d.rollbackId !== 'string' || typeof d.heldBy !== 'string') return null;
  const reason = typeof d.reason === 'string' && d.reason ? ` (${clipWords(d.reason, REASON_MAX)})` : '';
  return (
    `Deploys of this service are held: rollback ${shortId(d.rollbackId)} by ${d.heldBy} is in force${reason}. ` +
    'Release the hold with `kubidu release`, or repeat the command with --override-hold to go through it (the hold stays).'
  );
}
