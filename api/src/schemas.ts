/**
 * The TypeBox schemas of the contract (docs/api-contract.md): shared shapes and
 * the field rules every route reuses, so the OpenAPI document, the validators and
 * the handlers' types all come from one place.
 */
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import {
  DEPLOYMENT_SOURCES,
  DEPLOYMENT_STATUSES,
  type DeploymentSource as DeploymentSourceT,
  type DeploymentStatus as DeploymentStatusT,
} from '@kubidu/core/domain/vocabulary';

/** Largest env value accepted (bytes are bounded by the 4 MiB body limit as well). */
export const MAX_ENV_VALUE_LENGTH = 32 * 1024;
/** Most env keys (plain + secret together) a deployment may carry. */
export const MAX_ENV_KEYS = 200;

/** Ids are uuids; a malformed one is a 400 naming the parameter. */
export const Uuid = Type.String({ format: 'uuid', description: 'uuid' });
/** `/:id` path parameters. */
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
/** RFC 3339 timestamps (Dates serialize to ISO strings). */
export const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Free text of bounded length that Postgres can store (no NUL, well-formed UTF-16). */
export const Text = (maxLength: number, minLength = 0) => Type.String({ format: 'text', maxLength, minLength });

/** Service names and project slugs: they become directories in the manifests repo. */
export const DnsLabel = Type.String({ format: 'dns-label', minLength: 1, maxLength: 63 });
/** Container port. */
export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
/** Replica count (0 scales a service down). */
export const Replicas = Type.Integer({ minimum: 0, maximum: 100 });
/** Kubernetes CPU quantity. */
export const CpuLimit = Type.String({ format: 'cpu-quantity', maxLength: 16 });
/** Kubernetes memory quantity. */
export const MemoryLimit = Type.String({ format: 'memory-quantity', maxLength: 16 });
/** A pinned OCI image reference (tag or digest). */
export const ImageRef = Type.String({ format: 'oci-image-reference', minLength: 1, maxLength: 512 });

/** `{KEY: value}` with env-var keys and storable string values. */
export const EnvMap = Type.Record(Type.String(), Text(MAX_ENV_VALUE_LENGTH), {
  propertyNames: { type: 'string', format: 'env-key', maxLength: 256 },
  maxProperties: MAX_ENV_KEYS,
});

/** Plain env: like EnvMap, with values kustomize's configMapGenerator can carry (see isConfigValue). */
export const ConfigEnvMap = Type.Record(Type.String(), Type.String({ format: 'config-value', maxLength: MAX_ENV_VALUE_LENGTH }), {
  propertyNames: { type: 'string', format: 'env-key', maxLength: 256 },
  maxProperties: MAX_ENV_KEYS,
});

/** The contract's error body. */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'Every error: tests and clients match on `code`.' },
);

/** Error responses every route may give (the handler shapes them all the same way). */
export const ErrorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

/** Deployment statuses, as the database CHECK allows them. */
export const DeploymentStatus = Type.Unsafe<DeploymentStatusT>({ type: 'string', enum: [...DEPLOYMENT_STATUSES] });
/** Where a deployment came from. */
export const DeploymentSource = Type.Unsafe<DeploymentSourceT>({ type: 'string', enum: [...DEPLOYMENT_SOURCES] });

/** What a rollback restores: `image` (keep the current env and settings) or `config` (keep the current image). */
export const RollbackOnly = Type.Unsafe<'image' | 'config'>({ type: 'string', enum: ['image', 'config'] });
/** The client that made an API row (request header `X-Kubidu-Client`). */
export const ClientName = Type.Unsafe<'api' | 'cli' | 'web'>({ type: 'string', enum: ['api', 'cli', 'web'] });
/** Which door a history row came through: a plain deploy by API or CLI, a rollback, or a commit in the manifests repo. */
export const Door = Type.Unsafe<'api' | 'cli' | 'web' | 'rollback' | 'git'>({ type: 'string', enum: ['api', 'cli', 'web', 'rollback', 'git'] });
/** A bad mark on a deployment. */
export const BadMark = Type.Object({ reason: Type.String(), by: Type.String(), at: Timestamp });

/** A deployment as lists and single reads show it (contract "Deployment"). */
export const DeploymentView = Type.Object({
  id: Uuid,
  serviceId: Uuid,
  status: DeploymentStatus,
  source: DeploymentSource,
  imageUrl: Type.String(),
  commitSha: Nullable(Type.String()),
  commitMessage: Nullable(Type.String()),
  port: Type.Integer(),
  replicas: Type.Integer(),
  cpuLimit: Nullable(Type.String()),
  memoryLimit: Nullable(Type.String()),
  rollbackFromId: Nullable(Uuid),
  /** GIT rows: the deployment whose commit this one reverted (`git revert`). */
  revertsDeploymentId: Nullable(Uuid),
  /** What the git importer could not carry over (unknown secret reference, unreadable commit). */
  warning: Nullable(Type.String()),
  createdById: Nullable(Uuid),
  actor: Type.String(),
  manifestsCommitSha: Nullable(Type.String()),
  statusMessage: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  isCurrent: Type.Boolean(),
  canRollback: Type.Boolean(),
  /** Set while a person has marked it bad: no rollback target, its image not deployable. */
  bad: Nullable(BadMark),
  /** ROLLBACK rows: `image` or `config` when only that part was restored; null = everything. */
  rollbackOnly: Nullable(RollbackOnly),
  /** The client that made it (`X-Kubidu-Client`); null for GIT rows and rows from before issue 10. */
  via: Nullable(ClientName),
  /** The door: `api`/`cli`/`web` (a deploy, by client), `rollback`, `git` (a commit made outside Kubidu). */
  door: Door,
  /** This deploy went through a deploy hold on purpose. */
  holdOverridden: Type.Boolean(),
  /** GIT rows that reverted something: the source of the reverted row (`ROLLBACK` → "reverted rollback 1a2b3c4d"). */
  revertsSource: Nullable(DeploymentSource),
});
export type DeploymentView = Static<typeof DeploymentView>;

/** A deploy hold in force on a service (set by a rollback, released by a person). */
export const DeployHoldView = Type.Object({
  serviceId: Uuid,
  rollbackId: Uuid,
  heldBy: Type.String(),
  reason: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type DeployHoldView = Static<typeof DeployHoldView>;

/** One env entry of a deployment; secret values are always null. */
export const EnvEntry = Type.Object({ key: Type.String(), value: Nullable(Type.String()), isSecret: Type.Boolean() });
/** `GET /api/deployments/:id`: the deployment plus its env. */
export const DeploymentDetail = Type.Object({ ...DeploymentView.properties, env: Type.Array(EnvEntry) });
export type DeploymentDetail = Static<typeof DeploymentDetail>;

/** Contract "Project". */
export const ProjectView = Type.Object({ id: Uuid, name: Type.String(), slug: Type.String(), ownerId: Uuid, createdAt: Timestamp });
export type ProjectView = Static<typeof ProjectView>;

/** Contract "Service" (with its project's slug, for manifests paths). */
export const ServiceView = Type.Object({
  id: Uuid,
  projectId: Uuid,
  name: Type.String(),
  port: Type.Integer(),
  createdAt: Timestamp,
  projectSlug: Type.String(),
});
export type ServiceView = Static<typeof ServiceView>;

/** Contract "Audit row". */
export const AuditView = Type.Object({
  id: Uuid,
  createdAt: Timestamp,
  actor: Type.String(),
  actorId: Nullable(Uuid),
  action: Type.String(),
  projectId: Nullable(Uuid),
  serviceId: Nullable(Uuid),
  deploymentId: Nullable(Uuid),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditView = Static<typeof AuditView>;

const DIFF_FIELDS = ['image', 'port', 'replicas', 'cpuLimit', 'memoryLimit'] as const;
const DiffField = Type.Unsafe<(typeof DIFF_FIELDS)[number]>({ type: 'string', enum: [...DIFF_FIELDS] });
const EnvKeyRef = Type.Object({ key: Type.String(), isSecret: Type.Boolean() });
/** `GET /api/deployments/:id/diff`: what a rollback would change; never secret values. */
export const DeploymentDiff = Type.Object({
  targetId: Uuid,
  currentId: Nullable(Uuid),
  /** The part a rollback with `only` would restore; null = everything. */
  only: Nullable(RollbackOnly),
  fields: Type.Array(
    Type.Object({
      field: DiffField,
      from: Nullable(Type.Union([Type.String(), Type.Integer()])),
      to: Nullable(Type.Union([Type.String(), Type.Integer()])),
    }),
  ),
  env: Type.Object({ added: Type.Array(EnvKeyRef), removed: Type.Array(EnvKeyRef), changed: Type.Array(EnvKeyRef) }),
});
export type DeploymentDiff = Static<typeof DeploymentDiff>;

/** `limit` + opaque keyset `cursor` query parameters. */
export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
};
