/**
 * Where the CLI keeps login tokens: one JSON file in the user's config dir
 * (XDG_CONFIG_HOME or ~/.config), mode 0600 in a 0700 directory, keyed by API URL
 * so one person can be logged in to several Kubidu servers.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

/** One stored login. */
export interface StoredCredential {
  token: string;
  email?: string;
  expiresAt?: string | null;
  savedAt: string;
}

/** The whole file. */
export interface CredentialsFile {
  version: 1;
  servers: Record<string, StoredCredential>;
}

/** `$XDG_CONFIG_HOME/kubidu/credentials.json`, else `~/.config/kubidu/credentials.json`. */
export function credentialsPath(env: Record<string, string | undefined>, homedir: string): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir, '.config');
  return join(base, 'kubidu', 'credentials.json');
}

/** The key an API URL is stored under: no trailing slash, lower-case scheme/host. */
export function normalizeApiUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new CliError('USAGE', `--api-url "${url}" is not a URL`, { exitCode: 2 });
  }
}

/** Reads the file; a missing file is an empty one. */
export async function readCredentials(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return { version: 1, servers: parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {} };
  } catch {
    throw new CliError('CREDENTIALS_INVALID', `${path} is not valid JSON; delete it and run "kubidu login" again`);
  }
}

/** Writes atomically (temp file + rename), always ending with mode 0600. */
export async function writeCredentials(path: string, file: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** Stores (or replaces) the token for one API URL. */
export async function saveCredential(path: string, apiUrl: string, cred: StoredCredential): Promise<void> {
  const file = await readCredentials(path);
  file.servers[normalizeApiUrl(apiUrl)] = cred;
  await writeCredentials(path, file);
}

/** Forgets the token for one API URL; returns whether there was one. */
export async function removeCredential(path: string, apiUrl: string): Promise<boolean> {
  const file = await readCredentials(path);
  const key = normalizeApiUrl(apiUrl);
  if (!file.servers[key]) return false;
  delete file.servers[key];
  await writeCredentials(path, file);
  return true;
}

/** The stored token for one API URL, if any. */
export async function loadCredential(path: string, apiUrl: string): Promise<StoredCredential | undefined> {
  return (await readCredentials(path)).servers[normalizeApiUrl(apiUrl)];
}
