import { Type, type Static } from 'typebox';
import { PageQuery } from '../../lib/pagination.ts';
import { Name, Timestamp, UseCaseRef, Uuid } from '../common/common.schema.ts';

export const SOURCES = ['mlflow', 'admission', 'artifact-root', 'mlflow-intake'] as const;
export const STATUSES = ['open', 'adopted', 'dismissed'] as const;

const Source = Type.Union(
  SOURCES.map((s) => Type.Literal(s)),
  {
    description:
      '`mlflow`: an external MLflow server; `admission`: a Kubernetes workload running a model not in the inventory; `artifact-root`: a model file in a scanned directory; `mlflow-intake`: a model registered through the MLflow protocol without a use case',
  },
);
const Status = Type.Union(
  STATUSES.map((s) => Type.Literal(s)),
  { description: '`open` awaits triage; `adopted` is in the inventory; `dismissed` was judged not to need governance' },
);

export const Finding = Type.Object({
  id: Uuid,
  source: Source,
  externalKey: Type.String({ description: 'stable within the source: re-scans update the finding' }),
  origin: Type.String({ description: 'the server (without credentials), directory or namespace it was found in' }),
  name: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'what the source reported' }),
  status: Status,
  modelId: Type.Union([Uuid, Type.Null()], { description: 'the model it was adopted as' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'why it was dismissed' }),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  seenCount: Type.Integer(),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
});
export type Finding = Static<typeof Finding>;

export const Counts = Type.Object({ open: Type.Integer(), adopted: Type.Integer(), dismissed: Type.Integer() });

export const FindingsQuery = Type.Object(
  { source: Type.Optional(Source), status: Type.Optional(Status), ...PageQuery },
  { additionalProperties: false },
);
export type FindingsQuery = Static<typeof FindingsQuery>;

export const FindingsPage = Type.Object({
  items: Type.Array(Finding),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  counts: Counts,
});

export const FindingParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const AdoptBody = Type.Object(
  {
    useCase: { ...UseCaseRef, description: 'the use case (id or name) the model is governed under' },
    model: Type.Optional({
      ...Name,
      description: 'the model to create or link (default: the finding’s name); an existing model is linked',
    }),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
  },
  { additionalProperties: false },
);
export type AdoptBody = Static<typeof AdoptBody>;

export const DismissBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, description: 'why it needs no governance' }) },
  { additionalProperties: false },
);
export type DismissBody = Static<typeof DismissBody>;

export const SourceOutcome = Type.Object({
  source: Type.Union([Type.Literal('mlflow'), Type.Literal('artifact-root')]),
  origin: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  found: Type.Integer({ description: 'findings reported (new and known)' }),
  created: Type.Integer({ description: 'findings new in this scan' }),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type SourceOutcome = Static<typeof SourceOutcome>;

export const Scan = Type.Object({
  id: Uuid,
  trigger: Type.Union([Type.Literal('demand'), Type.Literal('schedule')]),
  status: Type.Union([Type.Literal('ok'), Type.Literal('partial'), Type.Literal('failed')], {
    description: '`partial` when some sources failed, `failed` when all did',
  }),
  sources: Type.Array(SourceOutcome),
  startedAt: Timestamp,
  finishedAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export type Scan = Static<typeof Scan>;
