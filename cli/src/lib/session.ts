/**
 * Builds the API client for one command from the global options: the URL from
 * --api-url / KUBIDU_API_URL, the token from --token / KUBIDU_TOKEN or else the
 * credentials file entry for that URL.
 */
import { ApiClient } from './api-client.js';
import { credentialsPath, loadCredential, normalizeApiUrl } from './credentials.js';
import type { Deps, GlobalArgs } from './deps.js';
import { colorEnabled, createStyle, type Style } from './output.js';

/** What most commands need: a client and styles for both streams. */
export interface Session {
  api: ApiClient;
  apiUrl: string;
  out: Style;
  err: Style;
}

/** Opens a session; does not contact the API yet. */
export async function openSession(args: GlobalArgs, deps: Deps): Promise<Session> {
  const apiUrl = normalizeApiUrl(args.apiUrl);
  const token = args.token || (await loadCredential(credentialsPath(deps.env, deps.homedir), apiUrl))?.token;
  return {
    api: new ApiClient({ baseUrl: apiUrl, token, fetch: deps.fetch }),
    apiUrl,
    ...styles(deps),
  };
}

/** Styles for stdout and stderr, each honouring its own TTY-ness and NO_COLOR. */
export function styles(deps: Deps): { out: Style; err: Style } {
  return { out: createStyle(colorEnabled(deps.stdout, deps.env)), err: createStyle(colorEnabled(deps.stderr, deps.env)) };
}
