import { Type, type Static } from 'typebox';
import { FiniteNumber, Name, TeamSlug, Timestamp, Uuid } from '../common/common.schema.ts';

export const Kpi = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    unit: Type.Optional(Type.String({ maxLength: 50 })),
    target: FiniteNumber({ description: 'the value the business owner commits to' }),
    direction: Type.Union([Type.Literal('at-least'), Type.Literal('at-most')], {
      description: '`at-least`: the KPI meets its target when >= target; `at-most`: when <= target',
    }),
  },
  { additionalProperties: false },
);

export const Consumers = Type.Union(
  [Type.Literal('internal-few'), Type.Literal('internal-many'), Type.Literal('public')],
  {
    description: 'who consumes the results: one team, many internal users, or the public',
  },
);

const Region = Type.String({
  minLength: 2,
  maxLength: 20,
  pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$|^(EU|EEA|GLOBAL)$',
  description: 'ISO 3166 code (e.g. `DE`, `US-CA`), `EU`, `EEA` or `GLOBAL`',
});

const fields = {
  name: Name,
  objective: Type.String({ minLength: 1, maxLength: 10000 }),
  kpis: Type.Array(Kpi, { maxItems: 50 }),
  ownerTeam: TeamSlug,
  consumers: Consumers,
  regions: Type.Array(Region, { minItems: 1, maxItems: 50, uniqueItems: true }),
  sector: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'e.g. finance, pharma, health, retail, public-sector',
  }),
  processesPersonalData: Type.Boolean(),
};

export const CreateUseCaseBody = Type.Object(
  { ...fields, kpis: Type.Optional(fields.kpis) },
  { additionalProperties: false },
);
export type CreateUseCaseBody = Static<typeof CreateUseCaseBody>;

export const PatchUseCaseBody = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
export type PatchUseCaseBody = Static<typeof PatchUseCaseBody>;

export const UseCase = Type.Object({
  id: Uuid,
  ...fields,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export type UseCase = Static<typeof UseCase>;
