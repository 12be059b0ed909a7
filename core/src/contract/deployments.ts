/**
 * Deployments on the wire: the row as history, detail and the event stream show
 * it, the deploy hold, the rollback diff, and the bodies, headers and queries of
 * the deployment routes (deploy, history, diff, rollback, release, bad marks).
 */
import { Type, type Static } from 'typebox';
import {
  ConfigEnvMap,
  CpuLimit,
  EnvKeyList,
  EnvMap,
  ImageRef,
  MemoryLimit,
  NextCursor,
  Nullable,
  Pagination,
  Port,
  Replicas,
  Text,
  Timestamp,
  Uuid,
} from './common.js';
import {
  CLIENT_NAMES,
  DEPLOYMENT_SOURCES,
  DEPLOYMENT_STATUSES,
  DIFF_FIELDS,
  DOORS,
  ROLLBACK_ONLY,
  REASON_MAX_LENGTH,
  type ClientName as ClientNameT,
  type DeploymentSource as DeploymentSourceT,
  type DeploymentStatus as DeploymentStatusT,
  type DiffFieldName,
  type Door as DoorT,
  type RollbackOnly as RollbackOnlyT,
} from './enums.js';

export {
  CLIENT_NAMES,
  DEPLOYMENT_SOURCES,
  DEPLOYMENT_STATUSES,
  DIFF_FIELDS,
  DOORS,
  ROLLBACK_ONLY,
  REASON_MAX_LENGTH,
  type DiffFieldName,
} from './enums.js';

/** Deployment statuses, as the database CHECK allows them. */
export const DeploymentStatus = Type.Unsafe<DeploymentStatusT>({ type: 'string', enum: [...DEPLOYMENT_STATUSES] });
/** One of DEPLOYMENT_STATUSES. */
export type DeploymentStatus = DeploymentStatusT;
/** Where a deployment came from. */
export const DeploymentSource = Type.Unsafe<DeploymentSourceT>({ type: 'string', enum: [...DEPLOYMENT_SOURCES] });
/** One of DEPLOYMENT_SOURCES. */
export type DeploymentSource = DeploymentSourceT;
/** What a rollback restores: `image` (keep the current env and settings) or `config` (keep the current image). */
export const RollbackOnly = Type.Unsafe<RollbackOnlyT>({ type: 'string', enum: [...ROLLBACK_ONLY] });
/** One of ROLLBACK_ONLY. */
export type RollbackOnly = RollbackOnlyT;
/** The client that made an API row (request header `X-Kubidu-Client`). */
export const ClientName = Type.Unsafe<ClientNameT>({ type: 'string', enum: [...CLIENT_NAMES] });
/** One of CLIENT_NAMES. */
export type ClientName = ClientNameT;
/** Which door a history row came through: a plain deploy by API or CLI, a rollback, or a commit in the manifests repo. */
export const Door = Type.Unsafe<DoorT>({ type: 'string', enum: [...DOORS] });
/** One of DOORS. */
export type Door = DoorT;

/** A bad mark on a deployment. */
export const BadMark = Type.Object({ reason: Type.String(), by: Type.String(), at: Timestamp });
/** The static type of BadMark. */
export type BadMark = Static<typeof BadMark>;

/** A deployment as lists, single reads and the event stream show it (contract "Deployment"). */
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
  /** The rollback rule (rollback-rule.ts) applied to this row. */
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
/** The static type of DeploymentView. */
export type DeploymentView = Static<typeof DeploymentView>;

/** A deploy hold in force on a service (set by a rollback, released by a person). */
export const DeployHoldView = Type.Object({
  serviceId: Uuid,
  rollbackId: Uuid,
  heldBy: Type.String(),
  reason: Nullable(Type.String()),
  createdAt: Timestamp,
});
/** The static type of DeployHoldView. */
export type DeployHoldView = Static<typeof DeployHoldView>;

/** One env entry of a deployment; secret values are always null. */
export const EnvEntry = Type.Object({ key: Type.String(), value: Nullable(Type.String()), isSecret: Type.Boolean() });
/** The static type of EnvEntry. */
export type EnvEntry = Static<typeof EnvEntry>;

/** `GET /api/deployments/:id`: the deployment plus its env. */
export const DeploymentDetail = Type.Object({ ...DeploymentView.properties, env: Type.Array(EnvEntry) });
/** The static type of DeploymentDetail. */
export type DeploymentDetail = Static<typeof DeploymentDetail>;

/** `GET /api/services/:id/deployments`: a page of history, newest first, with the hold in force. */
export const DeploymentPage = Type.Object({
  items: Type.Array(DeploymentView),
  nextCursor: NextCursor,
  hold: Type.Union([DeployHoldView, Type.Null()], { description: 'The deploy hold in force, if a rollback set one' }),
});
/** The static type of DeploymentPage. */
export type DeploymentPage = Static<typeof DeploymentPage>;

/** Query of the history route: pagination, and an id prefix to resolve short ids. */
export const DeploymentListQuery = Type.Object(
  { ...Pagination, idPrefix: Type.Optional(Type.String({ format: 'uuid-prefix', minLength: 8, maxLength: 36 })) },
  { additionalProperties: false },
);

/** A setting that differs between the rollback target and the current deployment. */
export const DiffField = Type.Object({
  field: Type.Unsafe<DiffFieldName>({ type: 'string', enum: [...DIFF_FIELDS] }),
  from: Nullable(Type.Union([Type.String(), Type.Integer()])),
  to: Nullable(Type.Union([Type.String(), Type.Integer()])),
});
/** The static type of DiffField. */
export type DiffField = Static<typeof DiffField>;

/** An env key a rollback adds, removes or changes (never its value). */
export const DiffEnvKey = Type.Object({ key: Type.String(), isSecret: Type.Boolean() });
/** The static type of DiffEnvKey. */
export type DiffEnvKey = Static<typeof DiffEnvKey>;

/** `GET /api/deployments/:id/diff`: what a rollback would change; never secret values. */
export const DeploymentDiff = Type.Object({
  targetId: Uuid,
  currentId: Nullable(Uuid),
  /** The part a rollback with `only` would restore; null = everything. */
  only: Nullable(RollbackOnly),
  fields: Type.Array(DiffField),
  env: Type.Object({ added: Type.Array(DiffEnvKey), removed: Type.Array(DiffEnvKey), changed: Type.Array(DiffEnvKey) }),
});
/** The static type of DeploymentDiff. */
export type DeploymentDiff = Static<typeof DeploymentDiff>;

/** Query of the diff route. */
export const DiffQuery = Type.Object({ only: Type.Optional(RollbackOnly) }, { additionalProperties: false });

/** Headers of the routes that create rows: an idempotency key and the client's name. */
export const WriteHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ format: 'idempotency-key', description: 'Repeat a request safely: the same key returns the same row.' })),
  'x-kubidu-client': Type.Optional(
    Type.Unsafe<ClientNameT>({ ...ClientName, description: 'Which client sends this (recorded on the row as `via`; default `api`).' }),
  ),
});

/**
 * Marks a body schema the route accepts absent (the API treats a missing body as `{}`);
 * the OpenAPI document then says `requestBody.required: false`.
 */
export const OPTIONAL_BODY = 'x-optional-body';

/**
 * Body of `POST /api/services/:id/deployments` (what CI and `kubidu deploy` send).
 * A deploy changes only what it names: env, secrets, port, replicas and limits it
 * leaves out are those of the service's current deployment.
 */
export const DeployBody = Type.Object(
  {
    image: ImageRef,
    env: Type.Optional(ConfigEnvMap),
    secrets: Type.Optional(EnvMap),
    unset: Type.Optional({ ...EnvKeyList, description: 'Env keys of the current deployment to remove (plain or secret).' }),
    replaceEnv: Type.Optional(
      Type.Boolean({ description: '`env` and `secrets` are the whole set; nothing is kept from the current deployment. Default: set them on top.' }),
    ),
    port: Type.Optional(Port),
    replicas: Type.Optional(Replicas),
    cpuLimit: Type.Optional(CpuLimit),
    memoryLimit: Type.Optional(MemoryLimit),
    commitSha: Type.Optional(Type.String({ format: 'commit-sha', maxLength: 64 })),
    commitMessage: Type.Optional(Text(10_000)),
    reason: Type.Optional(Text(REASON_MAX_LENGTH)),
    override: Type.Optional(Type.Boolean({ description: 'Deploy even though a rollback holds deploys of this service (the hold stays in force).' })),
  },
  { additionalProperties: false },
);
/** The static type of DeployBody. */
export type DeployBody = Static<typeof DeployBody>;

/**
 * Body of `PATCH /api/services/:id/env`: a new deployment of the current image with
 * these variables set (`set` plain, `secrets` sealed) and `unset` removed; the rest kept.
 */
export const EnvPatchBody = Type.Object(
  {
    set: Type.Optional(ConfigEnvMap),
    secrets: Type.Optional(EnvMap),
    unset: Type.Optional(EnvKeyList),
    commitMessage: Type.Optional(Text(10_000)),
    reason: Type.Optional(Text(REASON_MAX_LENGTH)),
    override: Type.Optional(Type.Boolean({ description: 'Change env even though a rollback holds deploys of this service (the hold stays in force).' })),
  },
  { additionalProperties: false },
);
/** The static type of EnvPatchBody. */
export type EnvPatchBody = Static<typeof EnvPatchBody>;

/** `GET /api/services/:id/env`: the env a deploy of this service inherits, from its current deployment (null: never deployed). */
export const ServiceEnv = Type.Object({ deploymentId: Nullable(Uuid), env: Type.Array(EnvEntry) });
/** The static type of ServiceEnv. */
export type ServiceEnv = Static<typeof ServiceEnv>;

/** Body of `POST /api/deployments/:id/rollback`; the whole body is optional (a bare POST means "no reason, everything"). */
export const RollbackBody = Type.Object(
  {
    reason: Type.Optional(Text(REASON_MAX_LENGTH)),
    only: Type.Optional(
      Type.Unsafe<RollbackOnlyT>({ ...RollbackOnly, description: '`image`: keep the current env and settings; `config`: keep the current image' }),
    ),
  },
  { additionalProperties: false, [OPTIONAL_BODY]: true },
);
/** The static type of RollbackBody. */
export type RollbackBody = Static<typeof RollbackBody>;

/** Answer of `POST /api/services/:id/release`: the hold that was released. */
export const ReleaseAnswer = Type.Object({ released: DeployHoldView });
/** The static type of ReleaseAnswer. */
export type ReleaseAnswer = Static<typeof ReleaseAnswer>;

/** Body of `POST /api/deployments/:id/bad`. */
export const MarkBadBody = Type.Object({ reason: Text(REASON_MAX_LENGTH, 1) }, { additionalProperties: false });
/** The static type of MarkBadBody. */
export type MarkBadBody = Static<typeof MarkBadBody>;

/** Query of the event stream: EventSource cannot set headers, so the token may ride here. */
export const EventsQuery = Type.Object(
  { access_token: Type.Optional(Type.String({ maxLength: 4096, description: 'For EventSource, which cannot set headers' })) },
  { additionalProperties: false },
);

/** `GET /api/services/:id/events`: `event: deployment` (data: a DeploymentView) and `event: hold` (data: `{"hold": DeployHoldView | null}`). */
export const EventStream = Type.String({ description: 'text/event-stream' });
