/** Project members on the wire (issue 17): the member view, the bodies that add one or change a role. */
import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from './common.js';
import { PERMISSIONS, PROJECT_ROLES, TOKEN_SCOPES, type Permission, type ProjectRole, type TokenScope } from './roles.js';

/** One of the project roles, as a schema. */
export const RoleSchema = Type.Unsafe<ProjectRole>({ type: 'string', enum: [...PROJECT_ROLES] });
/** The caller's permissions on a project, as a schema (its role narrowed by its token's scope). */
export const PermissionList = Type.Array(Type.Unsafe<Permission>({ type: 'string', enum: [...PERMISSIONS] }));
/** A token scope, as a schema. */
export const TokenScopeSchema = Type.Unsafe<TokenScope>({ type: 'string', enum: [...TOKEN_SCOPES] });

/** One member of a project. */
export const MemberView = Type.Object({ userId: Uuid, email: Type.String(), role: RoleSchema, addedAt: Timestamp });
/** The static type of MemberView. */
export type MemberView = Static<typeof MemberView>;

/** `GET /api/projects/:id/members`: the members, owners first, then by email. */
export const MemberList = Type.Object({ items: Type.Array(MemberView) });
/** The static type of MemberList. */
export type MemberList = Static<typeof MemberList>;

/** Body of `POST /api/projects/:id/members`: the person must already have an account. */
export const AddMemberBody = Type.Object(
  { email: Type.String({ format: 'email', minLength: 3, maxLength: 254 }), role: RoleSchema },
  { additionalProperties: false },
);
/** The static type of AddMemberBody. */
export type AddMemberBody = Static<typeof AddMemberBody>;

/** Body of `PATCH /api/projects/:id/members/:userId`. */
export const ChangeRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
/** The static type of ChangeRoleBody. */
export type ChangeRoleBody = Static<typeof ChangeRoleBody>;

/** Params of the routes on one member. */
export const MemberParams = Type.Object({ id: Uuid, userId: Uuid }, { additionalProperties: false });
/** The static type of MemberParams. */
export type MemberParams = Static<typeof MemberParams>;
