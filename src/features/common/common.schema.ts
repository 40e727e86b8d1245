import { Type, type Static, type TSchema } from 'typebox';

export const Sha256Digest = Type.String({
  pattern: '^sha256:[0-9a-f]{64}$',
  description: 'SHA-256 digest as `sha256:` followed by 64 lowercase hex digits',
  examples: ['sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
});

/**
 * Names may hold anything MLflow allows except `/`, `:` and control characters; not only dots
 * (`.`/`..` do not survive URL normalisation) and not only white space.
 */
export const NAME_PATTERN = '(?!\\.{1,2}$)(?!\\s+$)[^/:\\u0000-\\u001f\\u007f]+$';
export const Name = Type.String({ minLength: 1, maxLength: 256, pattern: `^${NAME_PATTERN}` });

/** A use case named by its id or its (unique) name, wherever the API takes one. */
export const UseCaseRef = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: `^${NAME_PATTERN}`,
  description: 'use case id or name',
});

/** True when `ref` has the form of an id (a UUID); anything else is a name. */
export const isUuid = (ref: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(ref);

export const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO 8601' });

/** Steward's ids: lowercase RFC 9562 UUIDs (no braces, no `urn:uuid:`). */
export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'lowercase UUID',
});

/** A finite JSON number (1e999 parses to Infinity, which no database or JSON output can hold). */
export const FiniteNumber = (options: object = {}) =>
  Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE, ...options });

/** Version numbers and other counters: positive, and within PostgreSQL's integer range. */
export const PositiveInt = (options: object = {}) => Type.Integer({ minimum: 1, maximum: 2147483647, ...options });

/**
 * An object used as a string-keyed map. TypeBox's Record emits `patternProperties: {"^.*$"}`,
 * which neither limits key length nor matches keys containing line breaks, so values under such
 * keys would escape validation; `propertyNames` + `additionalProperties` cover every key.
 */
export function StringMap<V extends TSchema>(
  value: V,
  options: { keyMaxLength?: number; description?: string; reservedKeys?: readonly string[] } = {},
) {
  return Type.Unsafe<Record<string, Static<V>>>({
    type: 'object',
    propertyNames: {
      type: 'string',
      minLength: 1,
      maxLength: options.keyMaxLength ?? 250,
      ...(options.reservedKeys ? { not: { enum: options.reservedKeys } } : {}),
    },
    additionalProperties: value,
    ...(options.description ? { description: options.description } : {}),
  });
}

export const TeamSlug = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]*$' });

export const TagValue = Type.String({ maxLength: 100000 });
/**
 * Tag keys that name JavaScript object machinery: as keys of a plain object they change its
 * prototype or shadow its methods instead of holding a tag, so they are refused wherever tags are.
 */
export const RESERVED_TAG_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
/** Free-form key/value tags; keys up to 250 characters, values up to 100,000 (MLflow's limits). */
export const Tags = StringMap(TagValue, {
  description: 'free-form key/value tags',
  reservedKeys: RESERVED_TAG_KEYS,
});
/** Tag changes in a PATCH follow JSON merge patch: a string sets a key, null removes it. */
export const TagsPatch = StringMap(Type.Union([TagValue, Type.Null()]), { reservedKeys: RESERVED_TAG_KEYS });
export type TagsPatch = Static<typeof TagsPatch>;

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'ETag from a previous read; 412 when stale' })),
});

/** Parses JSON text columns. */
export const parseJson = <T>(text: string): T => JSON.parse(text) as T;

/**
 * A response object that keeps properties it does not list: serialisation then never drops a
 * field a service adds, while the listed ones are typed in OpenAPI (and the console's client).
 */
export const OpenObject = <P extends Record<string, TSchema>>(props: P, options: { description?: string } = {}) =>
  Type.Object(props, { additionalProperties: true, ...options });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A model version in a path: `/models/{name}/versions/{version}`. */
export const VersionParams = Type.Object({ name: Name, version: PositiveInt() });
