/**
 * A real smart-HTTP git remote for tests and benchmarks: a small node http
 * server that runs git's own `git-http-backend` as CGI. Tests talk to it with
 * the real `git` CLI and with the controller's git adapter, so what passes here
 * is what a Gitea/GitHub-style remote would accept.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpServerOptions {
  /** Folder that holds `<name>.git` bare repos; a temp dir when omitted. */
  root?: string;
  /** Require HTTP basic auth with these credentials for every request. */
  basicAuth?: { username: string; password: string };
}

export interface GitHttpServer {
  /** http URL of a repo served by this server (no credentials in it). */
  url(repoName: string): string;
  root: string;
  /** Creates `<root>/<name>.git` (bare, branch main); with `withLayout` it gets a first commit via `seed`. */
  createBareRepo(name: string, opts?: { withLayout?: boolean; seed?: (workTree: string) => void }): string;
  /** Simulate an outage: every request is answered 503 while down. */
  setDown(down: boolean): void;
  /** Answer only this service's POSTs (`upload-pack` = the fetch itself, `receive-pack` = the push) with a status; null ends it. */
  failService(service: 'upload-pack' | 'receive-pack', status: number | null): void;
  /** The next `n` POSTs of this service run to completion on the repo, then the connection is cut before any answer. */
  loseResponses(service: 'upload-pack' | 'receive-pack', n: number): void;
  /**
   * Requests of this service are received (and counted) but answered only once `release` settles;
   * null answers them at once again. Lets a test prove work happened while a request was in flight.
   */
  holdAnswers(service: 'info-refs' | 'upload-pack' | 'receive-pack', release: Promise<unknown> | null): void;
  /** Requests seen, counted by service (`upload-pack`, `receive-pack`, `info-refs`...; `lost-receive-pack`: answers cut; `answered-info-refs`...: answers sent in full). */
  requests: Record<string, number>;
  stop(): Promise<void>;
}

function serviceOf(url: string): string {
  if (url.includes('/info/refs')) return 'info-refs';
  if (url.endsWith('/git-upload-pack')) return 'upload-pack';
  if (url.endsWith('/git-receive-pack')) return 'receive-pack';
  return 'other';
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startGitHttpServer(opts: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), 'kubidu-git-http-'));
  const ownsRoot = !opts.root;
  mkdirSync(root, { recursive: true });
  let down = false;
  const failing = new Map<string, number>();
  const losing = new Map<string, number>();
  const requests: Record<string, number> = {};
  const holds = new Map<string, Promise<unknown>>();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const svc = serviceOf(req.url ?? '');
    requests[svc] = (requests[svc] ?? 0) + 1;
    res.on('finish', () => (requests[`answered-${svc}`] = (requests[`answered-${svc}`] ?? 0) + 1));
    const hold = holds.get(svc);
    if (hold) {
      req.pause();
      void hold.then(
        () => serve(req, res, svc),
        () => serve(req, res, svc),
      );
      return;
    }
    serve(req, res, svc);
  };

  const serve = (req: IncomingMessage, res: ServerResponse, svc: string) => {
    if (down) {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
      return;
    }
    const failWith = req.method === 'POST' ? failing.get(svc) : undefined;
    if (failWith) {
      req.resume();
      res.writeHead(failWith, { 'content-type': 'text/plain', ...(failWith === 401 ? { 'www-authenticate': 'Basic realm="git"' } : {}) }).end('refused by the test');
      return;
    }
    if (opts.basicAuth) {
      const expected = 'Basic ' + Buffer.from(`${opts.basicAuth.username}:${opts.basicAuth.password}`).toString('base64');
      if (req.headers.authorization !== expected) {
        req.resume();
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' }).end('unauthorized');
        return;
      }
    }
    const u = new URL(req.url ?? '/', 'http://localhost');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: opts.basicAuth?.username ?? 'kubidu-test',
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '',
      HTTP_CONTENT_ENCODING: (req.headers['content-encoding'] as string | undefined) ?? '',
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    const child = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(child.stdin);
    child.stdin.on('error', () => {});
    const lose = req.method === 'POST' ? (losing.get(svc) ?? 0) : 0;
    if (lose > 0) {
      losing.set(svc, lose - 1);
      requests[`lost-${svc}`] = (requests[`lost-${svc}`] ?? 0) + 1;
      // The repo is updated (the backend runs to the end), but the client never hears back.
      child.stdout.resume();
      child.stderr.resume();
      child.on('close', () => req.socket.destroy());
      return;
    }
    let headerBuf = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      headerBuf = Buffer.concat([headerBuf, chunk]);
      let sep = headerBuf.indexOf('\r\n\r\n');
      let sepLen = 4;
      if (sep < 0) {
        sep = headerBuf.indexOf('\n\n');
        sepLen = 2;
      }
      if (sep < 0) return;
      const head = headerBuf.subarray(0, sep).toString('utf8');
      const rest = headerBuf.subarray(sep + sepLen);
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      if (rest.length) res.write(rest);
    });
    child.stderr.resume();
    child.on('close', () => {
      if (!headersDone) res.writeHead(500).end('backend failed');
      else res.end();
    });
    child.on('error', () => {
      if (!res.headersSent) res.writeHead(500).end('backend failed to start');
    });
  };

  const server = createServer(handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    root,
    requests,
    url: (name) => `http://127.0.0.1:${port}/${name.endsWith('.git') ? name : name + '.git'}`,
    createBareRepo(name, o = {}) {
      const dir = join(root, name.endsWith('.git') ? name : `${name}.git`);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
      execFileSync('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
      if (o.withLayout || o.seed) {
        const wt = mkdtempSync(join(tmpdir(), 'kubidu-seed-'));
        try {
          const g = (...args: string[]) =>
            execFileSync('git', ['-C', wt, ...args], {
              env: { ...process.env, GIT_AUTHOR_NAME: 'Seed', GIT_AUTHOR_EMAIL: 'seed@example.com', GIT_COMMITTER_NAME: 'Seed', GIT_COMMITTER_EMAIL: 'seed@example.com' },
            });
          g('init', '-q', '-b', 'main');
          if (o.seed) o.seed(wt);
          else {
            mkdirSync(join(wt, 'apps'), { recursive: true });
            execFileSync('sh', ['-c', `echo '# manifests' > README.md && touch apps/.gitkeep`], { cwd: wt });
          }
          g('add', '-A');
          g('commit', '-q', '-m', 'initial layout');
          g('push', '-q', dir, 'main');
        } finally {
          rmSync(wt, { recursive: true, force: true });
        }
      }
      return dir;
    },
    setDown(d) {
      down = d;
    },
    holdAnswers(service, release) {
      if (release) holds.set(service, release);
      else holds.delete(service);
    },
    loseResponses(service, n) {
      losing.set(service, n);
    },
    failService(service, status) {
      if (status === null) failing.delete(service);
      else failing.set(service, status);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}
