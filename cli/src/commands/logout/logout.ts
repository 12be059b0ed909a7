/**
 * `kubidu logout`: ends the stored token on the server, then forgets it. A login
 * token is signed out (`POST /api/auth/logout`: every login token of the user
 * issued until now stops working, so a copy of the credentials file is worthless);
 * an API token (`kbd_…`, stored by `login --token`) is only forgotten — it stays
 * valid until revoked, and the output says so.
 */
import { ApiClient } from '../../lib/api-client.js';
import { credentialsPath, loadCredential, normalizeApiUrl, removeCredential } from '../../lib/credentials.js';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { ApiError } from '../../lib/errors.js';
import { printJson } from '../../lib/output.js';

/** What happened to the token on the server. */
type ServerOutcome = 'signed-out' | 'already-invalid' | 'api-token-kept' | 'none';

/** Signs out on the server (a failure other than 401 keeps the token stored and fails), then removes the entry. */
export async function run(args: GlobalArgs, deps: Deps): Promise<void> {
  const apiUrl = normalizeApiUrl(args.apiUrl);
  const path = credentialsPath(deps.env, deps.homedir);
  const stored = await loadCredential(path, apiUrl);
  let server: ServerOutcome = 'none';
  if (stored?.token.startsWith('kbd_')) {
    server = 'api-token-kept';
  } else if (stored) {
    try {
      await new ApiClient({ baseUrl: apiUrl, token: stored.token, fetch: deps.fetch }).logout();
      server = 'signed-out';
    } catch (err) {
      // Expired or already signed out: nothing left to end on the server.
      if (!(err instanceof ApiError && err.statusCode === 401)) throw err;
      server = 'already-invalid';
    }
  }
  const removed = await removeCredential(path, apiUrl);
  if (args.json) {
    printJson(deps.stdout, { apiUrl, loggedOut: removed, server });
    return;
  }
  if (!removed) {
    deps.stdout.write(`Not logged in to ${apiUrl}\n`);
    return;
  }
  deps.stdout.write(`Logged out of ${apiUrl}\n`);
  if (server === 'api-token-kept') {
    deps.stdout.write('The stored API token was forgotten here but stays valid until you revoke it (web app, or DELETE /api/tokens/:id)\n');
  }
}
