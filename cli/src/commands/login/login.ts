/**
 * `kubidu login`: exchanges email/password for a token (or checks a given
 * --token) and stores it for this API URL in the credentials file (mode 0600).
 */
import { ApiClient } from '../../lib/api-client.js';
import { credentialsPath, normalizeApiUrl, saveCredential } from '../../lib/credentials.js';
import type { Deps, GlobalArgs } from '../../lib/deps.js';
import { UsageError } from '../../lib/errors.js';
import { printJson } from '../../lib/output.js';

export interface LoginArgs extends GlobalArgs {
  email?: string;
  password?: string;
}

/** Logs in and stores the token. */
export async function run(args: LoginArgs, deps: Deps): Promise<void> {
  const apiUrl = normalizeApiUrl(args.apiUrl);
  let token: string;
  let expiresAt: string | null = null;
  if (args.token) {
    token = args.token;
  } else {
    const email = args.email ?? (await ask(deps, 'input', 'Email', '--email'));
    const password = args.password ?? (await ask(deps, 'password', 'Password', '--password'));
    const answer = await new ApiClient({ baseUrl: apiUrl, fetch: deps.fetch }).login(email, password);
    token = answer.token;
    expiresAt = answer.expiresAt ?? null;
  }
  const me = await new ApiClient({ baseUrl: apiUrl, token, fetch: deps.fetch }).me();
  await saveCredential(credentialsPath(deps.env, deps.homedir), apiUrl, {
    token,
    email: me.email,
    expiresAt,
    savedAt: deps.now().toISOString(),
  });
  if (args.json) printJson(deps.stdout, { apiUrl, user: me, expiresAt });
  else deps.stdout.write(`Logged in to ${apiUrl} as ${me.email}\n`);
}

async function ask(deps: Deps, kind: 'input' | 'password', label: string, flag: string): Promise<string> {
  if (!deps.interactive) throw new UsageError(`No terminal to ask for the ${label.toLowerCase()}: pass ${flag} (or use --token)`);
  return kind === 'input' ? deps.prompts.input(label) : deps.prompts.password(label);
}
