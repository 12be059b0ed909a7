/**
 * The wire shapes of the Kubidu HTTP API (docs/api-contract.md), as the web app
 * sees them. Kept in one file so a contract change is one edit here.
 */

/** Every status a deployment row can be in; the order is the lifecycle order. */
export const DEPLOYMENT_STATUSES = ['QUEUED', 'DEPLOYING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export type DeploymentSource = 'API' | 'ROLLBACK' | 'GIT';

/** One deployment row as listed by the history and pushed by the event stream. */
export interface Deployment {
  id: string;
  serviceId: string;
  status: DeploymentStatus;
  source: DeploymentSource;
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
  /** ROLLBACK rows: what was restored; null = everything. */
  rollbackOnly: RollbackOnly | null;
  /** The client that made it (`X-Kubidu-Client`); null for GIT rows. */
  via: 'api' | 'cli' | 'web' | null;
  /** The door: a deploy by client (`api`, `cli`, `web`), a `rollback`, or a `git` commit made outside Kubidu. */
  door: 'api' | 'cli' | 'web' | 'rollback' | 'git';
  /** This deploy went through a deploy hold on purpose. */
  holdOverridden: boolean;
  /** GIT rows that reverted something: the reverted row's source. */
  revertsSource: DeploymentSource | null;
}

/** What a rollback restores: the image only (keep the current env) or the config only (keep the current image). */
export type RollbackOnly = 'image' | 'config';

/** The deploy hold a rollback put on a service: new deploys answer 409 until a person releases it. */
export interface DeployHold {
  serviceId: string;
  rollbackId: string;
  heldBy: string;
  reason: string | null;
  createdAt: string;
}

/** A page of history, newest first, with the hold in force. */
export interface DeploymentPage {
  items: Deployment[];
  nextCursor: string | null;
  hold: DeployHold | null;
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

/** A field that differs between the rollback target and the current deployment. */
export interface DiffField {
  field: 'image' | 'port' | 'replicas' | 'cpuLimit' | 'memoryLimit';
  from: string | number | null;
  to: string | number | null;
}

export interface DiffEnvKey {
  key: string;
  isSecret: boolean;
}

/** What a rollback to `targetId` would change against the current deployment. */
export interface DeploymentDiff {
  targetId: string;
  currentId: string | null;
  only: RollbackOnly | null;
  fields: DiffField[];
  env: { added: DiffEnvKey[]; removed: DiffEnvKey[]; changed: DiffEnvKey[] };
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

export interface AuditPage {
  items: AuditRow[];
  nextCursor: string | null;
}

export interface AuthToken {
  token: string;
  expiresAt: string;
}

export interface Me {
  id: string;
  email: string;
}

/**
 * Optional display settings from `GET /api/config`. The contract does not have
 * this route yet; when it answers 404 every field is absent and the UI shows
 * plain text instead of links.
 */
export interface WebConfig {
  /** e.g. `https://git.example.com/org/manifests/commit/{sha}` */
  commitUrlTemplate?: string | null;
  /** e.g. `https://argocd.example.com/applications/argocd/{project}-{service}` */
  argocdAppUrlTemplate?: string | null;
}
