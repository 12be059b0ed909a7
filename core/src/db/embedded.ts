/**
 * The embedded default database: PGlite stored under the data dir, served over
 * the Postgres wire protocol on loopback so TypeORM and pg work unchanged.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  dataPath: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  const dataPath = join(dataDir, 'pgdata');
  mkdirSync(dataPath, { recursive: true });
  const db = await PGlite.create(dataPath);
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' });
  await server.start();
  const addr = (server as unknown as { server?: { address(): { port: number } } }).server?.address();
  const actualPort = addr?.port ?? port;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${actualPort}/postgres?sslmode=disable`,
    dataPath,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
