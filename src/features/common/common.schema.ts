import { Type, type Static } from 'typebox';

export const Sha256Digest = Type.String({
  pattern: '^sha256:[0-9a-f]{64}$',
  description: 'SHA-256 digest as `sha256:` followed by 64 lowercase hex digits',
  examples: ['sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
});

/** Names may hold anything MLflow allows except `/`, `:` and control characters. */
export const Name = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^/:\\u0000-\\u001f\\u007f]+$' });

export const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO 8601' });

export const Uuid = Type.String({ format: 'uuid' });

export const TeamSlug = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]*$' });

export const TagKey = Type.String({ minLength: 1, maxLength: 250 });
export const TagValue = Type.String({ maxLength: 100000 });
export const Tags = Type.Record(TagKey, TagValue, { description: 'free-form key/value tags' });
/** Tag changes in a PATCH follow JSON merge patch: a string sets a key, null removes it. */
export const TagsPatch = Type.Record(TagKey, Type.Union([TagValue, Type.Null()]));
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

export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'ETag from a previous read; 412 when stale' })) });

/** Parses JSON text columns. */
export const parseJson = <T>(text: string): T => JSON.parse(text) as T;
