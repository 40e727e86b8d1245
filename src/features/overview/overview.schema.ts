import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../common/common.schema.ts';
import { SubjectStatus } from '../common/status.schema.ts';

export const OverviewQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'case-insensitive text in the use case name, or the model name or description',
      }),
    ),
    tier: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
    euAiAct: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'EU AI Act category of the current assessment' }),
    ),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'owner team' })),
    step: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'lifecycle step of the latest version (or of the use case, before it has a model)',
      }),
    ),
    attention: Type.Optional(Type.Boolean({ description: 'only rows with an open alert or an overdue risk review' })),
    sort: Type.Union([Type.Literal('name'), Type.Literal('tier'), Type.Literal('updated')], {
      default: 'name',
      description:
        "`name`: use case, then model (a use case without a model first); `tier`: the current tier (0 before an assessment), ties by name ascending; `updated`: the last update of the model (of the use case, without one), ties by the row's name in the same order",
    }),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
export type OverviewQuery = Static<typeof OverviewQuery>;

const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OverviewRow = Type.Object({
  useCase: Type.Object({
    id: Uuid,
    name: Type.String(),
    ownerTeam: Type.String(),
    step: Nullable(Type.String()),
    attestation: Type.Optional(
      Nullable(
        Type.Object(
          {
            status: Type.Enum(['open', 'overdue', 'current', 'retired']),
            lastAttestedOn: Nullable(Type.String({ description: 'the day the owner last attested' })),
            dueOn: Nullable(Type.String({ description: 'the earliest due day of what is open' })),
          },
          { description: "the periodic attestation's standing; null before the first campaign" },
        ),
      ),
    ),
  }),
  tier: Nullable(Type.Integer()),
  euAiAct: Nullable(Type.String()),
  reviewBy: Nullable(Type.String()),
  reviewOverdue: Type.Boolean(),
  model: Nullable(
    Type.Object({
      name: Type.String(),
      latestVersion: Nullable(Type.Integer()),
      step: Nullable(Type.String({ description: "the latest version's lifecycle step" })),
      productionVersion: Nullable(Type.Integer()),
      promotion: Nullable(
        Type.Object(
          { status: Type.String(), environment: Type.String() },
          { description: "the latest version's latest promotion request" },
        ),
      ),
      health: Type.Union([
        Type.Literal('ok'),
        Type.Literal('warning'),
        Type.Literal('alerting'),
        Type.Literal('no-data'),
      ]),
      openAlerts: Type.Integer(),
      status: Type.Optional(SubjectStatus),
    }),
  ),
  updatedAt: Timestamp,
});

export const OverviewPage = Type.Object({
  items: Type.Array(OverviewRow),
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
});

const Count = Type.Integer({ minimum: 0 });

export const OverviewSummary = Type.Object({
  useCases: Count,
  models: Count,
  byTier: Type.Array(
    Type.Object({ tier: Nullable(Type.Integer({ description: 'null: not assessed yet' })), count: Count }),
  ),
  byStep: Type.Array(
    Type.Object({ step: Nullable(Type.String({ description: 'null: not in a process yet' })), count: Count }),
    { description: 'use cases by their lifecycle step' },
  ),
  versionsByStep: Type.Array(Type.Object({ step: Type.String(), count: Count }), {
    description: 'model versions by their lifecycle step',
  }),
  production: Type.Array(
    Type.Object({
      model: Type.String(),
      version: Type.Integer(),
      useCase: Type.Object({ id: Uuid, name: Type.String() }),
      since: Timestamp,
    }),
    { description: 'versions deployed to production now' },
  ),
  openAlerts: Count,
  openIncidents: Count,
  overdueReviews: Type.Integer({ minimum: 0, description: 'current risk assessments past their review date' }),
  staleApprovals: Type.Integer({
    minimum: 0,
    description: 'sign-offs that went stale when evidence changed and wait for re-review',
  }),
  board: Type.Array(
    Type.Object({
      step: Nullable(Type.String()),
      useCases: Type.Array(
        Type.Object({ id: Uuid, name: Type.String(), tier: Nullable(Type.Integer()), ownerTeam: Type.String() }),
      ),
      total: Count,
    }),
    { description: 'use cases by lifecycle step, by name; a column lists at most 50' },
  ),
});
