import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../common/common.schema.ts';

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
    sort: Type.Union([Type.Literal('name'), Type.Literal('tier'), Type.Literal('updated')], { default: 'name' }),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
export type OverviewQuery = Static<typeof OverviewQuery>;

const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OverviewRow = Type.Object({
  useCase: Type.Object({ id: Uuid, name: Type.String(), ownerTeam: Type.String(), step: Nullable(Type.String()) }),
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
