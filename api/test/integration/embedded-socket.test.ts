/**
 * The embedded database has no password (PGlite's wire server does not ask for one),
 * so it must not be reachable by anyone else on the machine (issue 16, item 10): it
 * is served on a unix socket in a 0700 folder of the data dir, and opens no TCP port.
 * Checked on the real `main()`: the process's listening TCP sockets (read from /proc)
 * are only the HTTP port, and the app still works end to end over the socket.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@kubidu/platform/main';
import { startEmbeddedPostgres } from '@kubidu/core/db/embedded';
import { openDatabase } from '@kubidu/core/db/data-source';

/** TCP ports this process listens on (Linux: its socket fds matched against /proc/net/tcp{,6} rows in state LISTEN). */
function listeningTcpPorts(): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // the fd closed while we looked
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9])) continue;
      ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

describe.runIf(process.platform === 'linux')('embedded PGlite is not on the network', () => {
  it('main() opens no TCP port but HTTP, serves the database on a socket in a 0700 folder, and works end to end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubidu-sock-'));
    const before = listeningTcpPorts();
    const server = await main({ KUBIDU_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', KUBIDU_CONTROLLER: 'off' }, { print: () => undefined, logger: false });
    try {
      const httpPort = Number(new URL(server.url).port);
      const opened = listeningTcpPorts().filter((p) => !before.includes(p));
      expect(opened).toEqual([httpPort]);

      const run = join(dir, 'run');
      expect(statSync(run).mode & 0o777).toBe(0o700);
      const sockets = readdirSync(run).filter((f) => statSync(join(run, f)).isSocket());
      expect(sockets).toEqual(['.s.PGSQL.5432']);

      const reg = await fetch(`${server.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'socket@example.com', password: 'a long password' }),
      });
      expect(reg.status).toBe(201);
      const { token } = (await reg.json()) as { token: string };
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const project = await fetch(`${server.url}/api/projects`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Sock' }) });
      expect(project.status).toBe(201);
      const me = await fetch(`${server.url}/api/me`, { headers: auth });
      expect(((await me.json()) as { email: string }).email).toBe('socket@example.com');
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a data dir too deep for a socket path still gets a private socket (a 0700 temporary folder) and no TCP port', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kubidu-sock-deep-')), 'd'.repeat(100));
    const before = listeningTcpPorts();
    const pg = await startEmbeddedPostgres(dir);
    try {
      expect(listeningTcpPorts().filter((p) => !before.includes(p))).toEqual([]);
      const host = new URL(pg.url).searchParams.get('host')!;
      expect(statSync(host).mode & 0o777).toBe(0o700);
      const ds = await openDatabase({ url: pg.url, poolMax: 1 });
      expect(await ds.query(`SELECT 1 + 1 AS two`)).toEqual([{ two: 2 }]);
      await ds.destroy();
    } finally {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
