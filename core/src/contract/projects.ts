/** Projects and services on the wire: the views, and the bodies that create them. */
import { Type, type Static } from 'typebox';
import { DnsLabel, Port, Text, Timestamp, Uuid } from './common.js';
import { PermissionList, RoleSchema } from './members.js';

/**
 * The caller's standing in the project a view belongs to: its role and what it may
 * do (the role narrowed by a scoped token), so clients show only allowed controls.
 */
const Standing = {
  role: RoleSchema,
  permissions: PermissionList,
};

/** Contract "Project", with the caller's role in it. `ownerId` is the creator. */
export const ProjectView = Type.Object({ id: Uuid, name: Type.String(), slug: Type.String(), ownerId: Uuid, createdAt: Timestamp, ...Standing });
/** The static type of ProjectView. */
export type ProjectView = Static<typeof ProjectView>;

/**
 * Contract "Service" (with its project's slug, for manifests paths), the cluster
 * namespace it deploys to and the Argo CD Application Kubidu syncs for it.
 */
export const ServiceView = Type.Object({
  id: Uuid,
  projectId: Uuid,
  name: Type.String(),
  port: Type.Integer(),
  createdAt: Timestamp,
  projectSlug: Type.String(),
  namespace: Type.String(),
  argocdApp: Type.String(),
  /** Issue 20: a deploy Argo CD declares failed is rolled back automatically (opt-in). */
  autoRollback: Type.Boolean(),
  ...Standing,
});
/** The static type of ServiceView. */
export type ServiceView = Static<typeof ServiceView>;

/** `GET /api/projects`. */
export const ProjectList = Type.Object({ items: Type.Array(ProjectView) });
/** The static type of ProjectList. */
export type ProjectList = Static<typeof ProjectList>;

/** `GET /api/projects/:id/services`. */
export const ServiceList = Type.Object({ items: Type.Array(ServiceView) });
/** The static type of ServiceList. */
export type ServiceList = Static<typeof ServiceList>;

/** Body of `POST /api/projects`; the slug defaults to one made from the name. */
export const CreateProjectBody = Type.Object({ name: Text(100, 1), slug: Type.Optional(DnsLabel) }, { additionalProperties: false });
/** The static type of CreateProjectBody. */
export type CreateProjectBody = Static<typeof CreateProjectBody>;

/** Body of `POST /api/projects/:id/services`. */
export const CreateServiceBody = Type.Object({ name: DnsLabel, port: Type.Optional(Port) }, { additionalProperties: false });
/** The static type of CreateServiceBody. */
export type CreateServiceBody = Static<typeof CreateServiceBody>;

/** Body of `PATCH /api/services/:id`: the service's settings (today: the automatic-rollback opt-in). */
export const PatchServiceBody = Type.Object({ autoRollback: Type.Boolean() }, { additionalProperties: false });
/** The static type of PatchServiceBody. */
export type PatchServiceBody = Static<typeof PatchServiceBody>;
