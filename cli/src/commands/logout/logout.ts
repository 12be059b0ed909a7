/** `kubidu logout`: forgets the stored token for this API URL. */
import { credentialsPath, normalizeApiUrl, removeCredential } from '../../lib/credentials.js';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { printJson } from '../../lib/output.js';

/** Removes the credentials entry (the token itself stays valid until it expires). */
export async function run(args: GlobalArgs, deps: Deps): Promise<void> {
  const apiUrl = normalizeApiUrl(args.apiUrl);
  const removed = await removeCredential(credentialsPath(deps.env, deps.homedir), apiUrl);
  if (args.json) printJson(deps.stdout, { apiUrl, loggedOut: removed });
  else deps.stdout.write(removed ? `Logged out of ${apiUrl}\n` : `Not logged in to ${apiUrl}\n`);
}
