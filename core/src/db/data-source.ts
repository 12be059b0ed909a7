/**
 * Builds the TypeORM DataSource for either a real Postgres (DATABASE_URL) or the
 * embedded one; both speak the wire protocol so nothing else differs. Migrations
 * run explicitly (never `synchronize`).
 */
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities.js';
import { Initial1732000000000 } from './migrations/1732000000000-initial.js';
import { GitDoor1732000001000 } from './migrations/1732000001000-git-door.js';
import { RollbackControls1732000002000 } from './migrations/1732000002000-rollback-controls.js';
import { CurrentDeploymentIndex1732000003000 } from './migrations/1732000003000-current-deployment-index.js';
import { RequestHashAndTokenCutoff1732000005000 } from './migrations/1732000005000-request-hash-and-token-cutoff.js';
import { ProjectMembers1732000007000 } from './migrations/1732000007000-project-members.js';
import { AutoAndReleaseRollback1732000008000 } from './migrations/1732000008000-auto-and-release-rollback.js';
import { OutgoingWebhooks1732000008500 } from './migrations/1732000008500-outgoing-webhooks.js';

export const MIGRATIONS = [Initial1732000000000, GitDoor1732000001000, RollbackControls1732000002000, CurrentDeploymentIndex1732000003000, RequestHashAndTokenCutoff1732000005000, ProjectMembers1732000007000, AutoAndReleaseRollback1732000008000, OutgoingWebhooks1732000008500];

/** How long opening one connection may take before the database counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long a request may wait for a pooled connection while all are busy. */
const POOL_WAIT_MS = 30_000;

/** The pg client with its own connect timeout (the pool's timeout is the wait for a free connection). */
class ConnectBoundedClient extends pg.Client {
  constructor(config: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

export interface DataSourceOptions {
  url: string;
  /** Pool size; the embedded server multiplexes one session, so it gets 1. */
  poolMax?: number;
  logging?: boolean;
}

export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: opts.logging ? ['error', 'warn'] : false,
    extra: {
      max: opts.poolMax ?? 10,
      // Two different waits: opening a connection to a server that does not answer fails after
      // CONNECT_TIMEOUT_MS (the client's own timer), while a request waiting its turn for a pooled
      // connection during a burst (a thousand rollbacks at once) waits up to POOL_WAIT_MS.
      connectionTimeoutMillis: POOL_WAIT_MS,
      Client: ConnectBoundedClient,
      idleTimeoutMillis: 30000,
    },
  });
}

/** Connects and brings the schema up to date. Safe to call from several replicas: migrations take an advisory lock. */
export async function openDatabase(opts: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  guardClientErrors(ds);
  if ((opts.poolMax ?? 10) < 2) {
    // Single-connection (embedded) mode has one process by construction.
    await ds.runMigrations({ transaction: 'each' });
    return ds;
  }
  // A session-level advisory lock must be taken and released on the same connection.
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(727172)`);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(727172)`).catch(() => undefined);
    await lock.release();
  }
  return ds;
}

/**
 * A pg client that loses its server (Postgres restarted: 57P01) can emit 'error'
 * between TypeORM removing its listener and the pool taking the client back; an
 * 'error' event with no listener crashes the process. Every client the pool opens
 * gets a listener that ignores it: the query in flight still rejects through its own
 * callback, and the pool drops the broken client.
 */
function guardClientErrors(ds: DataSource): void {
  type Client = { on(e: 'error', fn: () => void): void };
  const pool = (ds.driver as unknown as { master?: { on(event: 'connect', fn: (client: Client) => void): void; _clients?: Client[] } }).master;
  if (!pool) return;
  const ignore = () => undefined;
  // Clients opened while initializing (pg-pool keeps them in _clients), then every later one.
  for (const client of pool._clients ?? []) client.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
}
