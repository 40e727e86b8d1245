import { Type } from 'typebox';
import { KPI_IDS } from '../../domain/governance/kpis.ts';
import { COMPONENT_IDS } from '../../domain/governance/leaderboard.ts';
import { Nullable, TeamSlug, Timestamp } from '../common/common.schema.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a UTC day, YYYY-MM-DD' });
const Kpi = Type.Enum(KPI_IDS);
const Team = Type.Union([Type.Literal('*'), TeamSlug], { description: "a team, or '*' for the whole organisation" });

export const KpiQuery = Type.Object(
  {
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    team: Type.Optional(Team),
    kpi: Type.Optional(Kpi),
  },
  { additionalProperties: false },
);

const Target = Type.Object({ kpi: Kpi, comparator: Type.Enum(['>=', '<=']), target: Type.Number() });

const KpiValue = Type.Object({
  kpi: Kpi,
  team: Type.String(),
  value: Nullable(Type.Number()),
  numerator: Type.Optional(Nullable(Type.Number())),
  denominator: Type.Optional(Nullable(Type.Number())),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  target: Type.Optional(Target),
  missed: Type.Optional(Type.Boolean()),
});

const HistoryPoint = Type.Object({
  day: Day,
  kpi: Kpi,
  team: Type.String(),
  value: Nullable(Type.Number()),
  numerator: Nullable(Type.Number()),
  denominator: Nullable(Type.Number()),
  detail: Type.Record(Type.String(), Type.Unknown()),
  source: Type.Enum(['computed', 'imported'], {
    description:
      "`computed` by Steward's snapshot, or `imported` from earlier reporting (`detail.importedFrom` says which)",
  }),
});

export const HistoryImport = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'where the values come from, e.g. "Risk committee KPI pack, Q3 2026"',
    }),
    values: Type.Array(
      Type.Object(
        {
          day: Day,
          kpi: Kpi,
          team: Type.Optional(Team),
          value: Nullable(Type.Number()),
          numerator: Type.Optional(Nullable(Type.Number())),
          denominator: Type.Optional(Nullable(Type.Number())),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20000 },
    ),
  },
  { additionalProperties: false },
);

export const HistoryImportResult = Type.Object({
  imported: Type.Integer(),
  from: Day,
  to: Day,
});

export const KpiAlert = Type.Object({
  id: Type.String(),
  kpi: Type.String(),
  state: Type.Enum(['open', 'resolved']),
  value: Nullable(Type.Number()),
  comparator: Type.String(),
  target: Type.Number(),
  owner: Type.Object({ team: Type.String(), role: Type.String() }),
  openedDay: Day,
  openedAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
});

const Definition = Type.Object({
  id: Kpi,
  title: Type.String(),
  unit: Type.Enum(['share', 'count', 'hours', 'days']),
  better: Type.Enum(['higher', 'lower']),
  description: Type.String(),
});

export const KpiReport = Type.Object({
  at: Timestamp,
  definitions: Type.Array(Definition),
  targets: Type.Array(Target),
  values: Type.Optional(Type.Array(KpiValue, { description: 'the KPIs now (left out when a history is asked for)' })),
  history: Type.Optional(
    Type.Array(HistoryPoint, { description: 'daily snapshots between `from` and `to`, oldest first' }),
  ),
  alerts: Type.Array(KpiAlert, { description: 'alerts open on missed targets' }),
  requirementsComputed: Type.Optional(
    Nullable(
      Type.String({
        description:
          "where the requirement KPIs (high-risk compliance, evidence coverage) come from: 'live', or the day of the snapshot they were taken from (large inventories); null before the first snapshot",
      }),
    ),
  ),
});

export const SnapshotResult = Type.Object({
  day: Day,
  takenAt: Timestamp,
  kpis: Type.Integer(),
  rows: Type.Integer(),
  alerts: Type.Object({ opened: Type.Array(Type.String()), resolved: Type.Array(Type.String()) }),
});

export const LeaderboardQuery = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3650, description: 'the window (default: the pack’s, else 90)' }),
    ),
  },
  { additionalProperties: false },
);

const Component = Type.Object({
  id: Type.Enum(COMPONENT_IDS),
  value: Nullable(Type.Number()),
  numerator: Type.Number(),
  denominator: Type.Number(),
  weight: Type.Number(),
});
const Entry = Type.Object({
  id: Type.String(),
  name: Type.String(),
  rank: Nullable(Type.Integer()),
  score: Nullable(Type.Number()),
  components: Type.Array(Component),
});

export const Leaderboard = Type.Object({
  at: Timestamp,
  evidenceComputed: Nullable(
    Type.String({ description: "evidence completeness: 'live', or the day of the snapshot it was taken from" }),
  ),
  windowDays: Type.Integer(),
  weights: Type.Record(Type.String(), Type.Number()),
  pseudonymised: Type.Boolean(),
  components: Type.Array(
    Type.Object({ id: Type.Enum(COMPONENT_IDS), title: Type.String(), description: Type.String() }),
  ),
  teams: Type.Array(Entry),
  people: Type.Array(Entry),
});

export const ChangesQuery = Type.Object(
  {
    days: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 365,
      description: 'changes this many days before and after today',
    }),
  },
  { additionalProperties: false },
);

const Change = Type.Object({
  regulation: Type.String(),
  regulationTitle: Type.String(),
  requirement: Type.String(),
  title: Type.String(),
  source: Type.String(),
  change: Type.Enum(['takes-effect', 'lapses']),
  day: Day,
  measures: Type.Array(Type.String()),
  note: Type.Optional(Type.String()),
  upcoming: Type.Boolean(),
  acted: Type.Boolean({ description: 'the watch has opened its tasks' }),
  useCases: Type.Integer({ description: 'assessed use cases it reaches' }),
  reaches: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
    description: 'the first 50 of them',
  }),
});

export const Changes = Type.Object({
  today: Day,
  through: Nullable(Day),
  items: Type.Array(Change),
});

export const WatchRun = Type.Object({
  through: Nullable(Day),
  changes: Type.Integer(),
  useCases: Type.Integer(),
});
