import { Type } from 'typebox';
import { DSR_STATUSES, DSR_TYPES } from '../../domain/dsr.ts';
import { Nullable, OpenObject, Timestamp, Uuid } from '../common/common.schema.ts';

const Text = (max: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

export const DsrType = Type.Enum([...DSR_TYPES], { description: 'the right the subject exercises (GDPR Art. 15-22)' });
export const DsrStatus = Type.Enum([...DSR_STATUSES]);

export const CreateDsrBody = Type.Object(
  {
    subjectRef: Text(200, 'an opaque reference to the person (ticket or customer number); a name is never needed'),
    type: DsrType,
    category: Text(
      200,
      'the personal data concerned: a column PII kind (direct-identifier, quasi-identifier, special-category, pseudonymised), personal-data for all, or text matched against personal-data columns',
    ),
    receivedOn: IsoDate,
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

export const ExtendDsrBody = Type.Object(
  {
    months: Type.Integer({ minimum: 1, maximum: 12, description: 'further months, at most 2 (Art. 12(3))' }),
    reason: Text(4000, 'why more time is needed (told to the subject)'),
  },
  { additionalProperties: false },
);

export const CloseDsrBody = Type.Object(
  {
    outcome: Type.Enum(['completed', 'refused']),
    reason: Text(4000, 'what was done, or why the request is refused'),
  },
  { additionalProperties: false },
);

export const DsrQuery = Type.Object(
  {
    status: Type.Optional(DsrStatus),
    overdue: Type.Optional(Type.Boolean({ description: 'only open requests past their due day (or only the others)' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

const TracedDatasetVersion = OpenObject({
  id: Type.String(),
  dataset: Type.String(),
  version: Type.Integer(),
  ownerTeam: Type.String(),
  legalRegion: Type.String(),
  columns: Type.Array(OpenObject({ name: Type.String(), piiKind: Type.String() })),
  derivedFrom: Nullable(Type.String({ description: 'dataset@version it holds the data through' })),
});

const TracedModelVersion = OpenObject({
  id: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  useCaseId: Type.String(),
  useCase: Type.String(),
  team: Type.String(),
  datasets: Type.Array(OpenObject({ dataset: Type.String(), version: Type.Integer(), role: Type.String() })),
});

const TracedTask = OpenObject({
  id: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  team: Type.String(),
  role: Type.String(),
  useCaseId: Type.String(),
});

export const DataSubjectRequest = OpenObject({
  id: Type.String(),
  subjectRef: Type.String(),
  type: DsrType,
  category: Type.String(),
  receivedOn: Type.String(),
  dueOn: Type.String(),
  overdue: Type.Boolean(),
  status: DsrStatus,
  extension: Nullable(OpenObject({ reason: Type.String(), at: Timestamp })),
  closed: Nullable(OpenObject({ at: Timestamp, by: Nullable(Type.String()), reason: Type.String() })),
  notes: Type.String(),
  trace: OpenObject({
    datasetVersions: Type.Array(TracedDatasetVersion),
    modelVersions: Type.Array(TracedModelVersion),
    tasks: Type.Array(TracedTask),
  }),
  createdAt: Timestamp,
  createdBy: Nullable(Type.String()),
});

export const DsrPage = Type.Object({
  items: Type.Array(DataSubjectRequest),
  nextCursor: Nullable(Type.String()),
  counts: OpenObject({ open: Type.Integer(), overdue: Type.Integer() }),
});
