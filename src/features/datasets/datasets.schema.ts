import { Type, type Static } from 'typebox';
import { Name, NAME_PATTERN, PositiveInt, Sha256Digest, TeamSlug, Timestamp, Uuid } from '../common/common.schema.ts';

export const PiiKind = Type.Union(
  [
    Type.Literal('none'),
    Type.Literal('direct-identifier'),
    Type.Literal('quasi-identifier'),
    Type.Literal('special-category'),
    Type.Literal('pseudonymised'),
  ],
  {
    description:
      'GDPR view of the column: identifies a person directly, in combination, is Art. 9 special-category data, or is pseudonymised',
  },
);

export const DatasetColumn = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    type: Type.Optional(Type.String({ maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    piiKind: Type.Optional(PiiKind),
    protected: Type.Optional(
      Type.Boolean({ description: 'a protected/sensitive attribute for fairness analysis (e.g. sex, age, ethnicity)' }),
    ),
  },
  { additionalProperties: false },
);

export const LawfulBasis = Type.Enum(
  ['consent', 'contract', 'legal-obligation', 'vital-interests', 'public-task', 'legitimate-interests'],
  { description: 'GDPR Art. 6(1) lawful basis of processing' },
);

export const Provenance = Type.Object(
  {
    method: Type.String({ minLength: 1, maxLength: 2000, description: 'how the data was collected' }),
    source: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'where it was collected (system, vendor, location)',
    }),
    collectedFrom: Type.Optional(Type.String({ format: 'date' })),
    collectedTo: Type.Optional(Type.String({ format: 'date' })),
    lawfulBasis: Type.Optional(LawfulBasis),
    notes: Type.Optional(Type.String({ maxLength: 10000 })),
  },
  { additionalProperties: false },
);

const Region = Type.String({
  minLength: 2,
  maxLength: 20,
  description: 'where the data legally resides (e.g. `EU`, `US`, `DE`)',
});

/** A dataset name must not look like an id, or `/datasets/{id or name}` could not tell them apart. */
const DatasetName = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: `^(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)${NAME_PATTERN}`,
});

export const CreateDatasetBody = Type.Object(
  {
    name: DatasetName,
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    ownerTeam: TeamSlug,
    provenance: Provenance,
    legalRegion: Region,
    columns: Type.Optional(Type.Array(DatasetColumn, { maxItems: 5000 })),
  },
  { additionalProperties: false },
);
export type CreateDatasetBody = Static<typeof CreateDatasetBody>;

const ColumnOut = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  piiKind: PiiKind,
  protected: Type.Boolean(),
});
export type ColumnOut = Static<typeof ColumnOut>;

export const Dataset = Type.Object({
  id: Uuid,
  name: Name,
  description: Type.String(),
  ownerTeam: Type.String(),
  provenance: Provenance,
  legalRegion: Type.String(),
  columns: Type.Array(ColumnOut),
  containsPersonalData: Type.Boolean({ description: 'true when any column has a PII kind other than `none`' }),
  latestVersion: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export type Dataset = Static<typeof Dataset>;

export const SchemaField = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    type: Type.String({ minLength: 1, maxLength: 100 }),
    nullable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const DatasetRef = Type.String({ minLength: 1, maxLength: 256, description: 'dataset id or name' });

export const LineageInput = Type.Object(
  {
    dataset: DatasetRef,
    version: PositiveInt(),
    columns: Type.Optional(
      Type.Array(
        Type.Object(
          { column: Type.String({ minLength: 1 }), from: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
          {
            additionalProperties: false,
            description: "this version's `column` was derived from the source's `from` columns",
          },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export const CreateDatasetVersionBody = Type.Object(
  {
    digest: Sha256Digest,
    rowCount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    schema: Type.Optional(Type.Array(SchemaField, { maxItems: 5000 })),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    derivedFrom: Type.Optional(Type.Array(LineageInput, { maxItems: 100 })),
    legalRegion: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 20,
        pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$|^(EU|EEA|GLOBAL)$',
        description:
          "where this version's data legally resides, when not where the dataset's does (e.g. a copy exported to `US`): an ISO 3166 code, `EU`, `EEA` or `GLOBAL`",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateDatasetVersionBody = Static<typeof CreateDatasetVersionBody>;

const LineageOut = Type.Object({
  datasetId: Uuid,
  dataset: Type.String(),
  version: Type.Integer(),
  columns: Type.Array(Type.Object({ column: Type.String(), from: Type.Array(Type.String()) })),
});

export const DatasetVersion = Type.Object({
  id: Uuid,
  datasetId: Uuid,
  dataset: Type.String(),
  version: Type.Integer(),
  digest: Sha256Digest,
  rowCount: Type.Integer(),
  uri: Type.Union([Type.String(), Type.Null()]),
  schema: Type.Array(SchemaField),
  description: Type.String(),
  derivedFrom: Type.Array(LineageOut),
  legalRegion: Type.String({
    description:
      "where this version's data legally resides (its own region, else its dataset's): data residency reads it",
  }),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export type DatasetVersion = Static<typeof DatasetVersion>;

export const DatasetUsage = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  role: Type.String(),
  viaDataset: Type.Object(
    { datasetId: Uuid, dataset: Type.String(), version: Type.Integer() },
    { description: 'the dataset version the model version used: this one, or one derived from it' },
  ),
  depth: Type.Integer({ description: '0 when used directly, n when through n derivation steps' }),
});
export type DatasetUsage = Static<typeof DatasetUsage>;
