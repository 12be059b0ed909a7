/**
 * Just enough of git's smart-HTTP protocol for the hot path: read the ref
 * advertisement, and send one receive-pack request carrying one ref update and
 * a pack of exactly the objects we wrote. (isomorphic-git's `push` walks whole
 * trees to decide what to send; this never does.)
 */
import { GitAuthError, GitRejectedError, GitRemoteUnavailableError, GitRepositoryError, redact } from './errors.js';

const ZERO = '0'.repeat(40);

/** How to reach one http(s) remote; url carries no credentials. */
export interface HttpRemote {
  url: string;
  headers: Record<string, string>;
  secrets: string[];
}

function pkt(line: string): Buffer {
  const body = Buffer.from(line, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

/** Splits a pkt-line stream into its lines (flush packets become null). */
export function readPktLines(buf: Buffer): Array<string | null> {
  const out: Array<string | null> = [];
  let i = 0;
  while (i + 4 <= buf.length) {
    const len = parseInt(buf.toString('latin1', i, i + 4), 16);
    if (Number.isNaN(len)) break;
    if (len === 0 || len === 1 || len === 2) {
      out.push(null);
      i += 4;
      continue;
    }
    out.push(buf.toString('utf8', i + 4, i + len));
    i += len;
  }
  return out;
}

async function request(remote: HttpRemote, path: string, init: { method: string; body?: Buffer; contentType?: string; accept: string }): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(remote.url + path, {
      method: init.method,
      headers: {
        ...remote.headers,
        accept: init.accept,
        'user-agent': 'git/kubidu',
        ...(init.contentType ? { 'content-type': init.contentType } : {}),
      },
      body: init.body as unknown as BodyInit | undefined,
      redirect: 'follow',
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new GitRemoteUnavailableError(redact(`the manifests remote ${remote.url} is unreachable (${why})`, remote.secrets));
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status === 401 || res.status === 403) {
    throw new GitAuthError(redact(`the manifests remote ${remote.url} refused the credentials (HTTP ${res.status})`, remote.secrets));
  }
  if (res.status === 404) {
    throw new GitRepositoryError(redact(`the manifests repo ${remote.url} was not found (HTTP 404)`, remote.secrets));
  }
  if (res.status >= 400) {
    throw new GitRemoteUnavailableError(redact(`the manifests remote ${remote.url} is unreachable (HTTP ${res.status})`, remote.secrets));
  }
  return body;
}

/** Reads the branch tip from the ref advertisement (null when the branch does not exist). */
export async function advertisedTip(remote: HttpRemote, service: 'git-upload-pack' | 'git-receive-pack', branch: string): Promise<string | null> {
  const body = await request(remote, `/info/refs?service=${service}`, { method: 'GET', accept: `application/x-${service}-advertisement` });
  const want = `refs/heads/${branch}`;
  for (const line of readPktLines(body)) {
    if (!line || line.startsWith('#')) continue;
    const [head] = line.split('\0');
    const [oid, name] = head.trim().split(' ');
    if (name === want && oid !== ZERO) return oid;
  }
  return null;
}

/**
 * Sends `<old> <new> refs/heads/<branch>` plus the pack in one receive-pack
 * request and reads report-status. A refused update throws GitRejectedError.
 */
export async function receivePack(remote: HttpRemote, branch: string, oldOid: string | null, newOid: string, pack: Buffer): Promise<void> {
  const ref = `refs/heads/${branch}`;
  const cmd = pkt(`${oldOid ?? ZERO} ${newOid} ${ref}\0 report-status agent=git/kubidu\n`);
  const body = Buffer.concat([cmd, Buffer.from('0000', 'latin1'), pack]);
  const res = await request(remote, '/git-receive-pack', {
    method: 'POST',
    body,
    contentType: 'application/x-git-receive-pack-request',
    accept: 'application/x-git-receive-pack-result',
  });
  const lines = readPktLines(res).filter((l): l is string => l !== null).map((l) => l.replace(/\n$/, ''));
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (!unpack) throw new GitRemoteUnavailableError(`the manifests remote ${remote.url} sent no push report`);
  if (unpack !== 'unpack ok') throw new GitRepositoryError(`the manifests remote could not store the pushed objects (${unpack})`);
  const status = lines.find((l) => l.startsWith(`ok ${ref}`) || l.startsWith(`ng ${ref}`));
  if (!status) throw new GitRemoteUnavailableError(`the manifests remote ${remote.url} did not report on ${ref}`);
  if (status.startsWith('ng ')) throw new GitRejectedError(status.slice(3 + ref.length + 1) || 'rejected');
}
