import { Type, type Static, type TSchema } from 'typebox';

// The MLflow Model Registry wire format (REST API 2.0). Requests are declared permissively: every
// field is optional and of any type, and unknown fields pass, because MLflow clients send more
// than Steward reads and a refusal must come as MLflow's own error (INVALID_PARAMETER_VALUE with
// MLflow's message, from mlflow.wire.ts), never as a /api/v1 problem. The schemas name the
// fields each route reads and type what reaches the service.

const Any = Type.Optional(Type.Unknown());
/** A request as MLflow clients send it: the listed fields (of any type), and any others. */
const Wire = <P extends Record<string, TSchema>>(props: P) => Type.Object(props, { additionalProperties: true });

/** `{key, value}` as tags travel: a list of these, not a map. */
export const WireTag = Type.Object({ key: Type.String(), value: Type.String() });
export type WireTag = Static<typeof WireTag>;

export const CreateRegisteredModel = Wire({ name: Any, tags: Any, description: Any });
export type CreateRegisteredModel = Static<typeof CreateRegisteredModel>;
export const RenameRegisteredModel = Wire({ name: Any, new_name: Any });
export type RenameRegisteredModel = Static<typeof RenameRegisteredModel>;
export const UpdateRegisteredModel = Wire({ name: Any, description: Any });
export type UpdateRegisteredModel = Static<typeof UpdateRegisteredModel>;
export const RegisteredModelRef = Wire({ name: Any });
export type RegisteredModelRef = Static<typeof RegisteredModelRef>;
export const SearchQuery = Wire({ filter: Any, max_results: Any, order_by: Any, page_token: Any });
export type SearchQuery = Static<typeof SearchQuery>;
export const LatestVersionsQuery = Wire({ name: Any, stages: Any });
export type LatestVersionsQuery = Static<typeof LatestVersionsQuery>;
export const ModelTagBody = Wire({ name: Any, key: Any, value: Any });
export type ModelTagBody = Static<typeof ModelTagBody>;
export const AliasBody = Wire({ name: Any, alias: Any, version: Any });
export type AliasBody = Static<typeof AliasBody>;

export const CreateModelVersion = Wire({
  name: Any,
  source: Any,
  run_id: Any,
  run_link: Any,
  description: Any,
  tags: Any,
});
export type CreateModelVersion = Static<typeof CreateModelVersion>;
export const ModelVersionRef = Wire({ name: Any, version: Any });
export type ModelVersionRef = Static<typeof ModelVersionRef>;
export const UpdateModelVersion = Wire({ name: Any, version: Any, description: Any });
export type UpdateModelVersion = Static<typeof UpdateModelVersion>;
export const TransitionStage = Wire({ name: Any, version: Any, stage: Any, archive_existing_versions: Any });
export type TransitionStage = Static<typeof TransitionStage>;
export const VersionTagBody = Wire({ name: Any, version: Any, key: Any, value: Any });
export type VersionTagBody = Static<typeof VersionTagBody>;
export const RunQuery = Wire({ run_id: Any, run_uuid: Any });
export type RunQuery = Static<typeof RunQuery>;

/** A model version as MLflow clients read it; unset fields are omitted, never null. */
export const ModelVersionEntity = Type.Object({
  name: Type.String(),
  version: Type.String({ description: 'the version number, as a string' }),
  creation_timestamp: Type.Number({ description: 'milliseconds since the epoch' }),
  last_updated_timestamp: Type.Number(),
  user_id: Type.Optional(Type.String()),
  current_stage: Type.Enum(['None', 'Staging', 'Production', 'Archived']),
  description: Type.Optional(Type.String()),
  source: Type.String(),
  run_id: Type.Optional(Type.String()),
  status: Type.Enum(['PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION']),
  status_message: Type.Optional(Type.String()),
  tags: Type.Optional(Type.Array(WireTag)),
  run_link: Type.Optional(Type.String()),
  aliases: Type.Optional(Type.Array(Type.String())),
});
export type ModelVersionEntity = Static<typeof ModelVersionEntity>;

export const RegisteredModelEntity = Type.Object({
  name: Type.String(),
  creation_timestamp: Type.Number(),
  last_updated_timestamp: Type.Number(),
  user_id: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  latest_versions: Type.Optional(Type.Array(ModelVersionEntity)),
  tags: Type.Optional(Type.Array(WireTag)),
  aliases: Type.Optional(Type.Array(Type.Object({ alias: Type.String(), version: Type.String() }))),
});
export type RegisteredModelEntity = Static<typeof RegisteredModelEntity>;
