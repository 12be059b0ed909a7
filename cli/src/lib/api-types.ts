/**
 * The shapes of docs/api-contract.md as the CLI reads them. Kept here (not
 * imported from api/) because the CLI talks HTTP and must follow the contract,
 * not the server's internals.
 */

export type DeploymentStatus = 'QUEUED' | 'DEPLOYING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELLED';

/** A deployment row (list and single). */
export interface Deployment {
  id: string;
  serviceId: string;
  status: DeploymentStatus;
  source: 'API' | 'ROLLBACK' | 'GIT';
  imageUrl: string;
  commitSha: string | null;
  commitMessage: string | null;
  port: number;
  replicas: number;
  cpuLimit: string | null;
  memoryLimit: string | null;
  rollbackFromId: string | null;
  /** GIT rows: the deployment whose commit this one reverted. */
  revertsDeploymentId: string | null;
  /** What the git importer could not carry over. */
  warning: string | null;
  createdById: string | null;
  actor: string;
  manifestsCommitSha: string | null;
  statusMessage: string | null;
  reason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  isCurrent: boolean;
  canRollback: boolean;
  /** Set while a person has marked it bad: no rollback target, its image not deployable. */
  bad: { reason: string; by: string; at: string } | null;
  /** ROLLBACK rows: what was restored (`image` or `config`); null = everything. */
  rollbackOnly: RollbackOnly | null;
  /** The client that made it (`X-Kubidu-Client`); null for GIT rows. */
  via: 'api' | 'cli' | 'web' | null;
  /** The door: a deploy by client (`api`, `cli`, `web`), a `rollback`, or a `git` commit made outside Kubidu. */
  door: 'api' | 'cli' | 'web' | 'rollback' | 'git';
  /** This deploy went through a deploy hold on purpose. */
  holdOverridden: boolean;
  /** GIT rows that reverted something: the reverted row's source. */
  revertsSource: 'API' | 'ROLLBACK' | 'GIT' | null;
}

/** What a rollback restores: the image only (keep the current env) or the config only (keep the current image). */
export type RollbackOnly = 'image' | 'config';

/** The deploy hold a rollback put on a service. */
export interface DeployHold {
  serviceId: string;
  rollbackId: string;
  heldBy: string;
  reason: string | null;
  createdAt: string;
}

/** `GET /api/services/:id/deployments`. */
export interface DeploymentPage extends Page<Deployment> {
  hold: DeployHold | null;
}

/** One env entry of `GET /api/deployments/:id`; secret values are always null. */
export interface EnvEntry {
  key: string;
  value: string | null;
  isSecret: boolean;
}

/** `GET /api/deployments/:id`. */
export interface DeploymentDetail extends Deployment {
  env: EnvEntry[];
}

/** `GET /api/deployments/:id/diff`: what a rollback to targetId would change. */
export interface DeploymentDiff {
  targetId: string;
  currentId: string | null;
  only: RollbackOnly | null;
  fields: { field: 'image' | 'port' | 'replicas' | 'cpuLimit' | 'memoryLimit'; from: unknown; to: unknown }[];
  env: {
    added: { key: string; isSecret: boolean }[];
    removed: { key: string; isSecret: boolean }[];
    changed: { key: string; isSecret: boolean }[];
  };
}

export interface Project {
  id: string;
  name: string;
  slug: string;
  ownerId: string;
  createdAt: string;
}

export interface Service {
  id: string;
  projectId: string;
  name: string;
  port: number;
  createdAt: string;
  projectSlug: string;
}

export interface AuditRow {
  id: string;
  createdAt: string;
  actor: string;
  actorId: string | null;
  action: string;
  projectId: string | null;
  serviceId: string | null;
  deploymentId: string | null;
  data: Record<string, unknown>;
}

/** A page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Body of `POST /api/services/:id/deployments`. */
export interface CreateDeploymentBody {
  image: string;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  port?: number;
  replicas?: number;
  cpuLimit?: string;
  memoryLimit?: string;
  commitSha?: string;
  commitMessage?: string;
  reason?: string;
  /** Deploy through a deploy hold (`--override-hold`). */
  override?: boolean;
}
