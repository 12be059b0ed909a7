/** The audit log on the wire: one row, the list's query, a page. */
import { Type, type Static } from 'typebox';
import { Nullable, PageOf, Pagination, Timestamp, Uuid } from './common.js';

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
/** The static type of AuditView. */
export type AuditView = Static<typeof AuditView>;

/** Query of `GET /api/audit`: filter by project, service, deployment or action, paginate. */
export const AuditQuery = Type.Object(
  {
    projectId: Type.Optional(Uuid),
    serviceId: Type.Optional(Uuid),
    deploymentId: Type.Optional(Uuid),
    action: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z_]{0,63}$', description: 'An audit action code, e.g. DEPLOYMENT_ROLLBACK' })),
    ...Pagination,
  },
  { additionalProperties: false },
);
/** The static type of AuditQuery. */
export type AuditQuery = Static<typeof AuditQuery>;

/** `GET /api/audit`: newest first. */
export const AuditPage = PageOf(AuditView);
/** The static type of AuditPage. */
export type AuditPage = Static<typeof AuditPage>;
