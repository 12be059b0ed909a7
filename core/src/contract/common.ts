/**
 * Field rules every part of the contract reuses: ids, timestamps, bounded text,
 * the names that become manifests directories, env maps, pagination. The
 * `format` names are checked by the API's validator (api/src/validation/ajv.ts);
 * to a client they are documentation.
 */
import { Type, type Static, type TSchema } from 'typebox';

/** Largest env value accepted (bytes are bounded by the 4 MiB body limit as well). */
export const MAX_ENV_VALUE_LENGTH = 32 * 1024;
/** Most env keys (plain + secret together) a deployment may carry. */
export const MAX_ENV_KEYS = 200;
/** Largest env value in UTF-8 bytes (the character count above lets 4-byte characters through). */
export const MAX_ENV_VALUE_BYTES = 32 * 1024;
/**
 * Most bytes (keys + values, UTF-8) of a deployment's plain env: it becomes a
 * ConfigMap committed to git, and client-side apply keeps a copy in a 256 KiB annotation.
 */
export const MAX_PLAIN_ENV_BYTES = 256 * 1024;
/** Most bytes (keys + values) of a deployment's secrets: a Secret is at most 1 MiB once base64-encoded. */
export const MAX_SECRET_ENV_BYTES = 512 * 1024;

/** Ids are uuids; a malformed one is a 400 naming the parameter. */
export const Uuid = Type.String({ format: 'uuid', description: 'uuid' });
/** The query string of a route that takes no parameters: any name is refused (400), never ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });
/** `/:id` path parameters. */
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
/** RFC 3339 timestamps (Dates serialize to ISO strings). */
export const Timestamp = Type.String({ format: 'date-time' });
/** `T` or null: the contract says null, never absent, for a field without a value. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

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

/** `{KEY: value}` with env-var keys and storable string values (secrets). */
export const EnvMap = Type.Record(Type.String(), Text(MAX_ENV_VALUE_LENGTH), {
  propertyNames: { type: 'string', format: 'env-key', maxLength: 256 },
  maxProperties: MAX_ENV_KEYS,
});

/** Plain env: like EnvMap, with values kustomize's configMapGenerator can carry (see the API's isConfigValue). */
export const ConfigEnvMap = Type.Record(Type.String(), Type.String({ format: 'config-value', maxLength: MAX_ENV_VALUE_LENGTH }), {
  propertyNames: { type: 'string', format: 'env-key', maxLength: 256 },
  maxProperties: MAX_ENV_KEYS,
});

/** Env keys to remove (`unset`): env-var names, each at most once. */
export const EnvKeyList = Type.Array(Type.String({ format: 'env-key', maxLength: 256 }), { maxItems: MAX_ENV_KEYS, uniqueItems: true });

/** `limit` + opaque keyset `cursor` query parameters of every paginated list. */
export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
};

/** The cursor of the next page, null on the last one. */
export const NextCursor = Type.Union([Type.String(), Type.Null()]);

/** A page of a cursor-paginated list of `item`. */
export const PageOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: NextCursor });
/** The static type of `PageOf(item)`, for code generic over the item. */
export interface Page<T> {
  items: T[];
  nextCursor: Static<typeof NextCursor>;
}
