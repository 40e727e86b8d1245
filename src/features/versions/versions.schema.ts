import { Type, type Static } from 'typebox';
import { DatasetRef } from '../datasets/datasets.schema.ts';
import {
  FiniteNumber,
  Name,
  PositiveInt,
  Sha256Digest,
  StringMap,
  Tags,
  TagsPatch,
  Timestamp,
  Uuid,
} from '../common/common.schema.ts';

export const DatasetRole = Type.Union([
  Type.Literal('training'),
  Type.Literal('evaluation'),
  Type.Literal('validation'),
]);

/** Lifecycle environments; MLflow's stages map onto them (None=development, Staging=preproduction, Production, Archived). */
export const Stage = Type.Enum(['development', 'qa', 'preproduction', 'production', 'archived', 'retired']);
export type Stage = Static<typeof Stage>;

export const RegistrationStatus = Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed')]);

const ParamValue = Type.Union([Type.String({ maxLength: 10000 }), FiniteNumber(), Type.Boolean(), Type.Null()]);

export const CodeRef = Type.Object(
  {
    repository: Type.String({ minLength: 1, maxLength: 2048 }),
    commit: Type.String({
      pattern: '^[0-9a-f]{7,64}$',
      description: 'commit hash (abbreviated or full, lowercase hex)',
    }),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'entry point or sub-directory' })),
  },
  { additionalProperties: false },
);

export const Environment = Type.Object(
  {
    imageDigest: Type.Optional(Sha256Digest),
    image: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'image reference, e.g. registry/name:tag' }),
    ),
    lockfileDigest: Type.Optional(Sha256Digest),
    lockfile: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'lockfile name, e.g. requirements.lock' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const DocLink = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description: 'http(s) link' }),
  },
  { additionalProperties: false },
);

export const DatasetUse = Type.Object(
  { dataset: DatasetRef, version: PositiveInt(), role: DatasetRole },
  { additionalProperties: false },
);

export const CreateVersionBody = Type.Object(
  {
    artifactUri: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'where the artefact lives (s3://, gs://, https://, file://, models:/...)',
    }),
    artifactDigest: Sha256Digest,
    framework: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'framework or flavour, e.g. sklearn, xgboost, onnx, pytorch',
      }),
    ),
    params: Type.Optional(StringMap(ParamValue)),
    metrics: Type.Optional(StringMap(FiniteNumber())),
    datasets: Type.Optional(Type.Array(DatasetUse, { maxItems: 100 })),
    code: Type.Optional(CodeRef),
    environment: Type.Optional(Environment),
    documentation: Type.Optional(Type.Array(DocLink, { maxItems: 100 })),
    tags: Type.Optional(Tags),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
  },
  { additionalProperties: false },
);
export type CreateVersionBody = Static<typeof CreateVersionBody>;

export const PatchVersionBody = Type.Object(
  { description: Type.Optional(Type.String({ maxLength: 20000 })), tags: Type.Optional(TagsPatch) },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'only annotations change; what defines a version is immutable',
  },
);
export type PatchVersionBody = Static<typeof PatchVersionBody>;

export const VersionDataset = Type.Object({
  datasetId: Uuid,
  dataset: Type.String(),
  version: Type.Integer(),
  role: DatasetRole,
  digest: Sha256Digest,
});

export const ModelVersion = Type.Object({
  id: Uuid,
  model: Name,
  version: Type.Integer(),
  artifactUri: Type.String(),
  artifactDigest: Type.Union([Sha256Digest, Type.Null()]),
  framework: Type.Union([Type.String(), Type.Null()]),
  params: StringMap(ParamValue),
  metrics: StringMap(Type.Number()),
  datasets: Type.Array(VersionDataset),
  code: Type.Union([CodeRef, Type.Null()]),
  environment: Type.Union([Environment, Type.Null()]),
  documentation: Type.Array(DocLink),
  tags: Tags,
  description: Type.String(),
  stage: Stage,
  status: RegistrationStatus,
  statusMessage: Type.Union([Type.String(), Type.Null()]),
  aliases: Type.Array(Type.String()),
  signatures: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String({ description: "the signer's printed name" }),
      role: Type.String(),
      meaning: Type.String(),
      step: Type.String(),
      signedAt: Timestamp,
    }),
    {
      description:
        'electronic signatures of this version, shown with printed name, date and time and meaning (21 CFR Part 11 §11.50); whether each still holds: GET .../signatures',
    },
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export type ModelVersion = Static<typeof ModelVersion>;

export { VersionParams } from '../common/common.schema.ts';
