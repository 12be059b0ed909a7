/**
 * The data model, as TypeORM EntitySchemas (no decorators, so esbuild/tsx/vitest
 * need no metadata emission). The schema itself is owned by the migrations in
 * ./migrations; these schemas only map it. Column names are snake_case in SQL.
 */
import { EntitySchema } from 'typeorm';
import type { ClientName, DeploymentSource, DeploymentStatus, RollbackOnly } from '../contract/enums.js';

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  /** Login tokens issued before this moment are refused (sign-out); null: none. */
  tokensValidAfter: Date | null;
  createdAt: Date;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  /** sha256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  /** `rollback`: the token may only read, roll back, release and mark bad (null: its user's full roles). */
  scope: 'rollback' | null;
}

export interface Project {
  id: string;
  name: string;
  /** DNS-safe, globally unique: it is the directory `apps/<slug>/` in the manifests repo. */
  slug: string;
  ownerId: string;
  createdAt: Date;
}

export interface Service {
  id: string;
  projectId: string;
  /** DNS label, unique per project; also the directory `apps/<project>/<name>/`. */
  name: string;
  port: number;
  /** Opt-in to automatic rollback after a failed deploy (issue 20). */
  autoRollback: boolean;
  createdAt: Date;
}

/** A project rolled back as one commit (issue 20): its deployment rows carry `releaseId`. */
export interface Release {
  id: string;
  projectId: string;
  status: 'QUEUED' | 'DEPLOYING' | 'RUNNING' | 'FAILED';
  at: Date | null;
  toReleaseId: string | null;
  reason: string | null;
  actor: string;
  createdById: string | null;
  via: string | null;
  skipped: Array<{ serviceId: string; service: string; why: string }>;
  statusMessage: string | null;
  manifestsCommitSha: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempts: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface Deployment {
  id: string;
  /** Monotonic insertion order; the keyset for history pagination. */
  seq: string;
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
  createdById: string | null;
  /** Display name of who made it: the user's email, or the git author for GIT rows. */
  actor: string;
  manifestsCommitSha: string | null;
  statusMessage: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  /** Keyed hash of the request that first used idempotencyKey: a replay with another body is a 409. */
  requestHash: string | null;
  /** Controller lease: which worker holds the row and until when (crash recovery). */
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** GIT rows from a `git revert`: the deployment whose commit was reverted (migration 1732000001000). */
  revertsDeploymentId?: string | null;
  /** What the git importer could not carry over (unknown secret reference, unreadable commit); never overwritten by the controller. */
  warning?: string | null;
  /** Set while a person has marked this deployment bad (migration 1732000002000): no rollback target, image not deployable. */
  badReason?: string | null;
  markedBadAt?: Date | null;
  markedBadBy?: string | null;
  /** ROLLBACK rows: what was restored (`image` or `config`); null means everything. */
  rollbackOnly?: RollbackOnly | null;
  /** Which client made an API row (`X-Kubidu-Client`); null for GIT rows. */
  via?: ClientName | null;
  /** This deploy went through a deploy hold on purpose (`override: true`). */
  holdOverridden?: boolean;
  /** AUTO rows: the failed deploy this automatic rollback undoes (unique: at most one each). */
  autoRollbackOf?: string | null;
  /** Rows of a release rollback (one commit for the whole project). */
  releaseId?: string | null;
}

export interface EnvironmentVariable {
  id: string;
  deploymentId: string;
  key: string;
  /** base64(ciphertext || 16-byte GCM tag) */
  valueEncrypted: string;
  /** base64 12-byte IV */
  valueIv: string;
  isSecret: boolean;
}

export interface AuditLog {
  id: string;
  createdAt: Date;
  actorId: string | null;
  actor: string;
  action: string;
  projectId: string | null;
  serviceId: string | null;
  deploymentId: string | null;
  data: Record<string, unknown>;
}

const uuidPk = { type: 'uuid', primary: true, generated: 'uuid' } as const;
const createdAt = { type: 'timestamptz', name: 'created_at', createDate: true } as const;

export const UserEntity = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: uuidPk,
    email: { type: 'text', unique: true },
    passwordHash: { type: 'text', name: 'password_hash' },
    tokensValidAfter: { type: 'timestamptz', name: 'tokens_valid_after', nullable: true },
    createdAt,
  },
});

export const ApiTokenEntity = new EntitySchema<ApiToken>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  columns: {
    id: uuidPk,
    userId: { type: 'uuid', name: 'user_id' },
    name: { type: 'text' },
    tokenHash: { type: 'text', name: 'token_hash', unique: true },
    createdAt,
    lastUsedAt: { type: 'timestamptz', name: 'last_used_at', nullable: true },
    expiresAt: { type: 'timestamptz', name: 'expires_at', nullable: true },
    scope: { type: 'text', nullable: true },
  },
});

export const ProjectEntity = new EntitySchema<Project>({
  name: 'Project',
  tableName: 'projects',
  columns: {
    id: uuidPk,
    name: { type: 'text' },
    slug: { type: 'text', unique: true },
    ownerId: { type: 'uuid', name: 'owner_id' },
    createdAt,
  },
});

export const ServiceEntity = new EntitySchema<Service>({
  name: 'Service',
  tableName: 'services',
  columns: {
    id: uuidPk,
    projectId: { type: 'uuid', name: 'project_id' },
    name: { type: 'text' },
    port: { type: 'int' },
    autoRollback: { type: 'boolean', name: 'auto_rollback', default: false },
    createdAt,
  },
});

export const ReleaseEntity = new EntitySchema<Release>({
  name: 'Release',
  tableName: 'releases',
  columns: {
    id: uuidPk,
    projectId: { type: 'uuid', name: 'project_id' },
    status: { type: 'text' },
    at: { type: 'timestamptz', nullable: true },
    toReleaseId: { type: 'uuid', name: 'to_release_id', nullable: true },
    reason: { type: 'text', nullable: true },
    actor: { type: 'text' },
    createdById: { type: 'uuid', name: 'created_by_id', nullable: true },
    via: { type: 'text', nullable: true },
    skipped: { type: 'jsonb', default: () => "'[]'::jsonb" },
    statusMessage: { type: 'text', name: 'status_message', nullable: true },
    manifestsCommitSha: { type: 'text', name: 'manifests_commit_sha', nullable: true },
    leaseOwner: { type: 'text', name: 'lease_owner', nullable: true },
    leaseExpiresAt: { type: 'timestamptz', name: 'lease_expires_at', nullable: true },
    attempts: { type: 'int', default: 0 },
    createdAt,
    finishedAt: { type: 'timestamptz', name: 'finished_at', nullable: true },
  },
});

export const DeploymentEntity = new EntitySchema<Deployment>({
  name: 'Deployment',
  tableName: 'deployments',
  columns: {
    id: uuidPk,
    seq: { type: 'bigint', insert: false, update: false },
    serviceId: { type: 'uuid', name: 'service_id' },
    status: { type: 'text' },
    source: { type: 'text' },
    imageUrl: { type: 'text', name: 'image_url' },
    commitSha: { type: 'text', name: 'commit_sha', nullable: true },
    commitMessage: { type: 'text', name: 'commit_message', nullable: true },
    port: { type: 'int' },
    replicas: { type: 'int' },
    cpuLimit: { type: 'text', name: 'cpu_limit', nullable: true },
    memoryLimit: { type: 'text', name: 'memory_limit', nullable: true },
    rollbackFromId: { type: 'uuid', name: 'rollback_from_id', nullable: true },
    createdById: { type: 'uuid', name: 'created_by_id', nullable: true },
    actor: { type: 'text' },
    manifestsCommitSha: { type: 'text', name: 'manifests_commit_sha', nullable: true },
    statusMessage: { type: 'text', name: 'status_message', nullable: true },
    reason: { type: 'text', nullable: true },
    idempotencyKey: { type: 'text', name: 'idempotency_key', nullable: true },
    requestHash: { type: 'text', name: 'request_hash', nullable: true },
    leaseOwner: { type: 'text', name: 'lease_owner', nullable: true },
    leaseExpiresAt: { type: 'timestamptz', name: 'lease_expires_at', nullable: true },
    attempts: { type: 'int', default: 0 },
    createdAt,
    startedAt: { type: 'timestamptz', name: 'started_at', nullable: true },
    finishedAt: { type: 'timestamptz', name: 'finished_at', nullable: true },
    revertsDeploymentId: { type: 'uuid', name: 'reverts_deployment_id', nullable: true },
    warning: { type: 'text', nullable: true },
    badReason: { type: 'text', name: 'bad_reason', nullable: true },
    markedBadAt: { type: 'timestamptz', name: 'marked_bad_at', nullable: true },
    markedBadBy: { type: 'text', name: 'marked_bad_by', nullable: true },
    rollbackOnly: { type: 'text', name: 'rollback_only', nullable: true },
    via: { type: 'text', nullable: true },
    holdOverridden: { type: 'boolean', name: 'hold_overridden', default: false },
    autoRollbackOf: { type: 'uuid', name: 'auto_rollback_of', nullable: true },
    releaseId: { type: 'uuid', name: 'release_id', nullable: true },
  },
});

/**
 * A deploy hold: while a service has one, new deploys answer 409 `DEPLOY_HELD`
 * unless they override it. A rollback sets it; only a person releases it.
 */
export interface DeployHold {
  serviceId: string;
  /** The rollback deployment that put the hold in force. */
  rollbackId: string;
  heldById: string | null;
  heldBy: string;
  reason: string | null;
  createdAt: Date;
}

export const DeployHoldEntity = new EntitySchema<DeployHold>({
  name: 'DeployHold',
  tableName: 'deploy_holds',
  columns: {
    serviceId: { type: 'uuid', name: 'service_id', primary: true },
    rollbackId: { type: 'uuid', name: 'rollback_id' },
    heldById: { type: 'uuid', name: 'held_by_id', nullable: true },
    heldBy: { type: 'text', name: 'held_by' },
    reason: { type: 'text', nullable: true },
    createdAt,
  },
});

export const EnvironmentVariableEntity = new EntitySchema<EnvironmentVariable>({
  name: 'EnvironmentVariable',
  tableName: 'environment_variables',
  columns: {
    id: uuidPk,
    deploymentId: { type: 'uuid', name: 'deployment_id' },
    key: { type: 'text' },
    valueEncrypted: { type: 'text', name: 'value_encrypted' },
    valueIv: { type: 'text', name: 'value_iv' },
    isSecret: { type: 'boolean', name: 'is_secret' },
  },
});

export const AuditLogEntity = new EntitySchema<AuditLog>({
  name: 'AuditLog',
  tableName: 'audit_logs',
  columns: {
    id: uuidPk,
    createdAt,
    actorId: { type: 'uuid', name: 'actor_id', nullable: true },
    actor: { type: 'text' },
    action: { type: 'text' },
    projectId: { type: 'uuid', name: 'project_id', nullable: true },
    serviceId: { type: 'uuid', name: 'service_id', nullable: true },
    deploymentId: { type: 'uuid', name: 'deployment_id', nullable: true },
    data: { type: 'jsonb' },
  },
});

/** The git importer's bookmark per manifests branch: the last commit it fully handled. */
export interface ManifestsImportState {
  branch: string;
  lastSha: string | null;
  /** A commit whose import keeps failing unexpectedly, and how often; skipped with a warning after a few tries. */
  failingSha: string | null;
  failures: number;
  updatedAt: Date;
}

export const ManifestsImportStateEntity = new EntitySchema<ManifestsImportState>({
  name: 'ManifestsImportState',
  tableName: 'manifests_import_state',
  columns: {
    branch: { type: 'text', primary: true },
    lastSha: { type: 'text', name: 'last_sha', nullable: true },
    failingSha: { type: 'text', name: 'failing_sha', nullable: true },
    failures: { type: 'int', default: 0 },
    updatedAt: { type: 'timestamptz', name: 'updated_at', updateDate: true },
  },
});

export const ENTITIES = [
  UserEntity,
  ApiTokenEntity,
  ProjectEntity,
  ServiceEntity,
  ReleaseEntity,
  DeploymentEntity,
  EnvironmentVariableEntity,
  AuditLogEntity,
  ManifestsImportStateEntity,
  DeployHoldEntity,
];
