import { Type, type Static } from 'typebox';
import { ALIAS_PATTERN } from '../../domain/aliases.ts';
import { Name, PositiveInt, Tags, TagsPatch, Timestamp, UseCaseRef, Uuid } from '../common/common.schema.ts';

/** Alias names (MLflow's rule): letters, digits, `_` and `-`. */

export const AliasName = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: ALIAS_PATTERN,
  description: 'letters, digits, `_` and `-`; `latest` and `v<digits>` are reserved',
});

export const CreateModelBody = Type.Object(
  {
    name: Name,
    useCase: Type.Optional(UseCaseRef),
    useCaseId: Type.Optional({ ...UseCaseRef, description: 'use case id (or name); give useCase or useCaseId' }),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
export type CreateModelBody = Static<typeof CreateModelBody>;

export const PatchModelBody = Type.Object(
  {
    name: Type.Optional(Name),
    useCase: Type.Optional(UseCaseRef),
    useCaseId: Type.Optional({ ...UseCaseRef, description: 'use case id (or name); give useCase or useCaseId' }),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    tags: Type.Optional(TagsPatch),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchModelBody = Static<typeof PatchModelBody>;

export const Model = Type.Object({
  id: Uuid,
  name: Name,
  useCaseId: Uuid,
  description: Type.String(),
  tags: Tags,
  latestVersion: Type.Union([Type.Integer(), Type.Null()], {
    description: 'highest version number issued, null before the first',
  }),
  aliases: Type.Record(Type.String(), Type.Integer(), { description: 'alias -> version number' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  health: Type.Optional(
    Type.Enum(['ok', 'warning', 'alerting', 'no-data'], {
      description:
        "production monitoring: the worst of its versions' (unresolved critical alert: alerting; warning: warning; no monitoring data for two windows: no-data)",
    }),
  ),
});
export type Model = Static<typeof Model>;

export const ModelNameParams = Type.Object({ name: Name });

export const AliasParams = Type.Object({ name: Name, alias: AliasName });
export const SetAliasBody = Type.Object({ version: PositiveInt() }, { additionalProperties: false });
export const Alias = Type.Object({ model: Name, alias: Type.String(), version: Type.Integer(), updatedAt: Timestamp });
export type Alias = Static<typeof Alias>;
