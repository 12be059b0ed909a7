/**
 * The embedded default database: PGlite stored under the data dir, served over
 * the Postgres wire protocol so TypeORM and pg work unchanged.
 *
 * PGlite's wire server asks for no password, so it is served on a unix socket in
 * `<data dir>/run` (mode 0700), never on a TCP port: only the user running Kubidu
 * can connect. A socket path is limited to ~107 bytes; for a data dir too deep for
 * that, the socket goes in a fresh 0700 folder under the system temp dir instead.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded database. */
export interface EmbeddedPostgres {
  /** Connection URL for pg/TypeORM: the socket's folder as `host` (no TCP host, no password). */
  url: string;
  dataPath: string;
  /** The unix socket the server listens on. */
  socketPath: string;
  stop(): Promise<void>;
}

/** The socket file name pg looks for in `host` (libpq's `.s.PGSQL.<port>`, default port). */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux, 104 on macOS; stay under both with the NUL. */
const MAX_SOCKET_PATH = 100;

/** True when something answers on the unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function privateSocketDir(dataDir: string): Promise<{ dir: string; temporary: boolean }> {
  const dir = join(dataDir, 'run');
  const path = join(dir, SOCKET_NAME);
  if (path.length <= MAX_SOCKET_PATH) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // an existing folder keeps its mode otherwise
    if (await answers(path)) {
      throw new Error(`The embedded database in ${dataDir} is already served by another process (${path}); stop it, or set DATABASE_URL.`);
    }
    rmSync(path, { force: true }); // left by a process that was killed
    return { dir, temporary: false };
  }
  return { dir: mkdtempSync(join(tmpdir(), 'kubidu-pg-')), temporary: true }; // mkdtemp makes it 0700
}

/** Starts PGlite on `<dataDir>/pgdata`, served on a private unix socket. */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dataPath = join(dataDir, 'pgdata');
  mkdirSync(dataPath, { recursive: true });
  const socket = await privateSocketDir(dataDir);
  const socketPath = join(socket.dir, SOCKET_NAME);
  const db = await PGlite.create(dataPath);
  const server = new PGLiteSocketServer({ db, path: socketPath });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    if (socket.temporary) rmSync(socket.dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socket.dir)}&sslmode=disable`,
    dataPath,
    socketPath,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socket.temporary ? socket.dir : socketPath, { recursive: true, force: true });
    },
  };
}
