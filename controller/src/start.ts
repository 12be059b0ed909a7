/**
 * Entry point the API process (or `npm run controller`) uses to run the GitOps
 * reconciler. TODO(integration): wired to the claim loop in the controller issue.
 */
import type { DataSource } from 'typeorm';

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface ControllerOptions {
  ds: DataSource;
  /** Where the default bare manifests repo and the local object store live. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** True when the database is the embedded single-connection one (no LISTEN; short poll). */
  embedded?: boolean;
}

export interface ControllerHandle {
  /** Wake the claim loop now (in-process shortcut for NOTIFY). */
  wake(): void;
  stop(): Promise<void>;
}

export async function startController(_opts: ControllerOptions): Promise<ControllerHandle> {
  return { wake() {}, async stop() {} };
}
