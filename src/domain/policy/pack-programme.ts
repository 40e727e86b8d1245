import { Type, type Static } from 'typebox';
import { KPI_IDS } from '../governance/kpis.ts';
import { COMPONENT_IDS } from '../governance/leaderboard.ts';

/**
 * The pack's `programme` section: how the governance programme itself is measured. Who owns it
 * (missed KPI targets are raised to them), each KPI's target, and the leaderboard's weights.
 */
export const ProgrammeSection = Type.Object(
  {
    owner: Type.Object(
      {
        team: Type.String({
          minLength: 1,
          maxLength: 100,
          pattern: '^(\\*|[a-z0-9][a-z0-9.-]*)$',
          description: "the owning team, or '*' for the role in every team",
        }),
        role: Type.Enum([
          'business-stakeholder',
          'business-analyst',
          'data-scientist',
          'risk-audit',
          'data-ops',
          'production',
          'admin',
        ]),
      },
      { additionalProperties: false, description: 'who answers for the programme: missed targets are raised to them' },
    ),
    kpis: Type.Optional(
      Type.Array(
        Type.Object(
          {
            kpi: Type.Enum(KPI_IDS),
            comparator: Type.Enum(['>=', '<=']),
            target: Type.Number({ minimum: 0, maximum: 1e9 }),
          },
          { additionalProperties: false },
        ),
        { description: 'targets; a daily snapshot that misses one raises a KPI alert to the owner' },
      ),
    ),
    leaderboard: Type.Optional(
      Type.Object(
        {
          weights: Type.Record(Type.Enum(COMPONENT_IDS), Type.Integer({ minimum: 0, maximum: 100 }), {
            description: "each component's weight in the score (components left out weigh nothing)",
          }),
          windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'default 90' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Programme = Static<typeof ProgrammeSection>;
