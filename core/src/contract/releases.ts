/**
 * A whole project rolled back as one commit (issue 20, item 2) on the wire:
 * `POST /api/projects/:id/rollback`, its preview, and the release it creates.
 */
import { Type, type Static } from 'typebox';
import { Nullable, Text, Timestamp, Uuid } from './common.js';
import { DeploymentDiff } from './deployments.js';

/** The most services one request may name. */
export const MAX_RELEASE_SERVICES = 10_000;

/** Where a project returns to: a moment (`at`, ISO 8601) or an earlier release (its rows' deployments). */
const ReleaseTarget = {
  at: Type.Optional(Type.String({ format: 'date-time', description: 'Every service returns to the deployment live at this moment.' })),
  release: Type.Optional(Type.String({ format: 'uuid', description: 'Every service of that release returns to the deployment it made.' })),
};

/** Body of `POST /api/projects/:id/rollback`: exactly one of `at` and `release`; `services` (names or ids) narrows it. */
export const ReleaseRollbackBody = Type.Object(
  {
    ...ReleaseTarget,
    reason: Type.Optional(Text(1000)),
    services: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: MAX_RELEASE_SERVICES, uniqueItems: true })),
  },
  { additionalProperties: false },
);
/** The static type of ReleaseRollbackBody. */
export type ReleaseRollbackBody = Static<typeof ReleaseRollbackBody>;

/** Query of `GET /api/projects/:id/rollback/preview`; `services` is a comma-separated list of names or ids. */
export const ReleasePreviewQuery = Type.Object(
  { ...ReleaseTarget, services: Type.Optional(Type.String({ maxLength: 100_000 })) },
  { additionalProperties: false },
);
/** The static type of ReleasePreviewQuery. */
export type ReleasePreviewQuery = Static<typeof ReleasePreviewQuery>;

/** A service left as it is, and why (already there, nothing was live then, not part of that release). */
export const SkippedService = Type.Object({ serviceId: Uuid, service: Type.String(), why: Type.String() });
/** The static type of SkippedService. */
export type SkippedService = Static<typeof SkippedService>;

/** Statuses of a release: QUEUED → DEPLOYING → RUNNING (every row RUNNING) | FAILED (naming the services). */
export const RELEASE_STATUSES = ['QUEUED', 'DEPLOYING', 'RUNNING', 'FAILED'] as const;

/** One row of a release. */
export const ReleaseDeployment = Type.Object({
  id: Uuid,
  serviceId: Uuid,
  service: Type.String(),
  status: Type.String(),
  targetId: Uuid,
  imageUrl: Type.String(),
  statusMessage: Nullable(Type.String()),
});
/** The static type of ReleaseDeployment. */
export type ReleaseDeployment = Static<typeof ReleaseDeployment>;

/** Contract "Release": a project rollback, its rows, and what it skipped. */
export const ReleaseView = Type.Object({
  id: Uuid,
  projectId: Uuid,
  status: Type.Union([Type.Literal('QUEUED'), Type.Literal('DEPLOYING'), Type.Literal('RUNNING'), Type.Literal('FAILED')]),
  at: Nullable(Timestamp),
  toReleaseId: Nullable(Uuid),
  reason: Nullable(Type.String()),
  actor: Type.String(),
  statusMessage: Nullable(Type.String()),
  manifestsCommitSha: Nullable(Type.String()),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  deployments: Type.Array(ReleaseDeployment),
  skipped: Type.Array(SkippedService),
});
/** The static type of ReleaseView. */
export type ReleaseView = Static<typeof ReleaseView>;

/** `GET /api/projects/:id/rollback/preview`: per changed service, the diff a single rollback would show. */
export const ReleasePreview = Type.Object({
  at: Nullable(Timestamp),
  toReleaseId: Nullable(Uuid),
  services: Type.Array(Type.Object({ serviceId: Uuid, service: Type.String(), diff: DeploymentDiff })),
  skipped: Type.Array(SkippedService),
});
/** The static type of ReleasePreview. */
export type ReleasePreview = Static<typeof ReleasePreview>;

/** `GET /api/projects/:id/releases`: newest first. */
export const ReleaseList = Type.Object({ items: Type.Array(ReleaseView) });
/** The static type of ReleaseList. */
export type ReleaseList = Static<typeof ReleaseList>;
