/** Accounts on the wire: register, login, who am I, personal API tokens. */
import { Type, type Static } from 'typebox';
import { Nullable, Text, Timestamp, Uuid } from './common.js';
import { TokenScopeSchema } from './members.js';

/** Body of `POST /api/auth/login`. */
export const Credentials = Type.Object(
  {
    email: Type.String({ format: 'email', minLength: 3, maxLength: 254 }),
    password: Text(1024, 1),
  },
  { additionalProperties: false },
);
/** The static type of Credentials. */
export type Credentials = Static<typeof Credentials>;

/** Body of `POST /api/auth/register` (a longer password than login accepts). */
export const RegisterBody = Type.Object({ email: Credentials.properties.email, password: Text(1024, 8) }, { additionalProperties: false });
/** The static type of RegisterBody. */
export type RegisterBody = Static<typeof RegisterBody>;

/** `GET /api/me`: the signed-in user. */
export const UserView = Type.Object({ id: Uuid, email: Type.String() });
/** The static type of UserView. */
export type UserView = Static<typeof UserView>;

/** `POST /api/auth/login`: a login token and when it expires. */
export const IssuedToken = Type.Object({ token: Type.String(), expiresAt: Timestamp });
/** The static type of IssuedToken. */
export type IssuedToken = Static<typeof IssuedToken>;

/** `POST /api/auth/register`: the new user and a login token. */
export const Registered = Type.Object({ user: UserView, token: Type.String(), expiresAt: Timestamp });
/** The static type of Registered. */
export type Registered = Static<typeof Registered>;

/** Body of `POST /api/tokens`. */
export const CreateTokenBody = Type.Object(
  {
    name: Text(100, 1),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** `rollback`: the token may only read, roll back, release a hold and mark bad (an incident bot). */
    scope: Type.Optional(TokenScopeSchema),
  },
  { additionalProperties: false },
);
/** The static type of CreateTokenBody. */
export type CreateTokenBody = Static<typeof CreateTokenBody>;

/** `POST /api/tokens`: the personal API token, shown this once. */
export const CreatedApiToken = Type.Object({
  id: Uuid,
  name: Type.String(),
  token: Type.String(),
  expiresAt: Nullable(Timestamp),
  scope: Nullable(TokenScopeSchema),
});
/** The static type of CreatedApiToken. */
export type CreatedApiToken = Static<typeof CreatedApiToken>;

/** One personal API token as `GET /api/tokens` lists it (never the token itself). */
export const ApiTokenView = Type.Object({
  id: Uuid,
  name: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  scope: Nullable(TokenScopeSchema),
});
/** The static type of ApiTokenView. */
export type ApiTokenView = Static<typeof ApiTokenView>;

/** `GET /api/tokens`: the caller's personal API tokens, newest first. */
export const ApiTokenList = Type.Object({ items: Type.Array(ApiTokenView) });
/** The static type of ApiTokenList. */
export type ApiTokenList = Static<typeof ApiTokenList>;

