import { Type, type Static } from 'typebox';
import { STAT_TESTS } from '../../domain/drift/drift.ts';
import { ART73_DAYS, COMPARATORS, SEVERITIES } from '../../domain/monitoring/alerts.ts';
import { MONITOR_FAMILY_IDS } from '../../domain/monitoring/families.ts';
import { BOOTSTRAP_DEFAULTS, PAIRED_METRIC_NAMES } from '../../domain/monitoring/paired.ts';
import { FiniteNumber, Name, OpenObject, PositiveInt, Timestamp } from '../common/common.schema.ts';

const Column = Type.String({ minLength: 1, maxLength: 200 });
const MonitorId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9.-]*$' });
const Test = Type.Enum([...STAT_TESTS]);

export const AlertRuleSchema = Type.Object(
  {
    id: MonitorId,
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    metric: Type.String({
      minLength: 1,
      maxLength: 300,
      pattern: '^[A-Za-z0-9_.*:-]+$',
      description:
        'drift.dataset, drift.share, drift.column.<feature>, performance.<metric>[.decay], predictions.rows, kpi.<name>[.missed], challenger.<metric>.improvement, challenger.<metric>.p; one * matches any name',
    }),
    comparator: Type.Enum([...COMPARATORS]),
    threshold: FiniteNumber(),
    severity: Type.Enum([...SEVERITIES]),
  },
  { additionalProperties: false },
);

export const MonitorConfigBody = Type.Object(
  {
    monitors: Type.Optional(
      Type.Array(Type.Enum([...MONITOR_FAMILY_IDS]), {
        maxItems: 10,
        uniqueItems: true,
        description:
          "the monitor families this configuration is meant to provide (informational: a pack's monitoring measure is met only by windows Steward computed, never by this list)",
      }),
    ),
    challenger: Type.Optional(
      Type.Object(
        {
          model: Name,
          version: PositiveInt(),
          metrics: Type.Optional(
            Type.Array(Type.Enum([...PAIRED_METRIC_NAMES]), {
              minItems: 1,
              uniqueItems: true,
              description: 'which paired metrics to compare (default: every one the task has)',
            }),
          ),
          resamples: Type.Optional(
            Type.Integer({
              minimum: 50,
              maximum: 10_000,
              description: `paired bootstrap resamples for AUC and regression error (default ${BOOTSTRAP_DEFAULTS.resamples})`,
            }),
          ),
          seed: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 4_294_967_295,
              description: `bootstrap seed (default ${BOOTSTRAP_DEFAULTS.seed}): the same records and seed give the same p-value`,
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'a challenger or shadow version of the same use case that logs predictions on the same record ids; each window compares both on the records both logged and that are labelled',
        },
      ),
    ),
    task: Type.Enum(['binary-classification', 'multiclass-classification', 'regression']),
    positiveLabel: Type.String({
      minLength: 1,
      maxLength: 100,
      default: '1',
      description: 'binary classification: the prediction/label value of the positive class',
    }),
    features: Type.Record(Column, Type.Enum(['numerical', 'categorical']), {
      description: 'the monitored input columns and their types (at most 500)',
    }),
    sensitive: Type.Optional(
      Type.Array(Column, {
        maxItems: 10,
        uniqueItems: true,
        description: 'feature columns to break performance down by (fairness over time)',
      }),
    ),
    windowSeconds: Type.Integer({
      minimum: 60,
      maximum: 31 * 86_400,
      default: 86_400,
      description: 'length of the fixed windows drift and performance are computed on',
    }),
    reference: Type.Union([
      Type.Object(
        { dataset: Name, version: PositiveInt(), format: Type.Optional(Type.Enum(['csv', 'jsonl', 'parquet'])) },
        {
          additionalProperties: false,
          description:
            "a registered dataset version (the version's training or evaluation data), read from its URI with its digest checked",
        },
      ),
      Type.Object(
        { from: Timestamp, to: Timestamp },
        { additionalProperties: false, description: "a window of this version's own prediction log" },
      ),
    ]),
    drift: Type.Object(
      {
        driftShare: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1,
          default: 0.5,
          description: 'share of drifted columns from which the dataset drifted (inclusive)',
        }),
        stattest: Type.Optional(Test),
        threshold: Type.Optional(FiniteNumber()),
        columns: Type.Optional(
          Type.Record(
            Column,
            Type.Object(
              { stattest: Type.Optional(Test), threshold: Type.Optional(FiniteNumber()) },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    alertRules: Type.Array(AlertRuleSchema, {
      maxItems: 100,
      default: [],
      description: "replace the pack's default rules by id, or add rules",
    }),
  },
  { additionalProperties: false },
);
export type MonitorConfig = Static<typeof MonitorConfigBody>;

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

const Mcnemar = OpenObject({
  b: Type.Integer(),
  c: Type.Integer(),
  exact_p: Type.Number(),
  chi2_statistic: Type.Number(),
  chi2_p: Type.Number(),
  chi2_cc_statistic: Type.Number(),
  chi2_cc_p: Type.Number(),
});

/** A window's champion/challenger comparison on its jointly labelled records. */
export const ComparisonSchema = OpenObject(
  {
    challenger: OpenObject({ model: Type.String(), version: Type.Integer(), versionId: Type.String() }),
    status: Type.Enum(['compared', 'no-challenger-predictions', 'no-joint-records', 'no-joint-labels']),
    joint: Type.Integer({ description: 'records both versions logged in the window' }),
    labelled: Type.Integer({ description: 'of those, the labelled ones compared' }),
    skipped: Type.Integer(),
    rows: Type.Optional(Type.Integer()),
    metrics: Type.Optional(
      Type.Record(
        Type.String(),
        OpenObject({
          champion: Type.Number(),
          challenger: Type.Number(),
          difference: Type.Number({ description: 'challenger - champion' }),
          improvement: Type.Number({ description: 'positive: the challenger is better (errors: lower)' }),
          test: Type.Enum(['mcnemar', 'paired-bootstrap']),
          p: Type.Number(),
          mcnemar: Type.Optional(Mcnemar),
          bootstrap: Type.Optional(
            OpenObject({
              resamples: Type.Integer(),
              seed: Type.Integer(),
              ci: Type.Array(Type.Union([Type.Number(), Type.Null()])),
              p: Type.Number(),
            }),
          ),
        }),
      ),
    ),
  },
  { description: 'the champion/challenger comparison (null: the monitor names no challenger)' },
);

export const ProfileBody = Type.Object(
  {
    format: Type.Literal('steward.profile/v1'),
    window: Type.Object({ start: Timestamp, end: Timestamp }, { additionalProperties: false }),
    count: Count,
    features: Type.Record(
      Column,
      Type.Union([
        Type.Object(
          {
            type: Type.Literal('numerical'),
            count: Count,
            missing: Count,
            histogram: Type.Object(
              { edges: Type.Array(FiniteNumber(), { maxItems: 1000 }), counts: Type.Array(Count, { maxItems: 1001 }) },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            type: Type.Literal('categorical'),
            count: Count,
            missing: Count,
            categories: Type.Record(Type.String({ maxLength: 500 }), Count),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const KpiValuesBody = Type.Object(
  {
    values: Type.Array(Type.Object({ timestamp: Timestamp, value: FiniteNumber() }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 10_000,
    }),
  },
  { additionalProperties: false },
);

export const AlertAction = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 4000 })) },
  { additionalProperties: false },
);

export const IncidentBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.String({ maxLength: 20_000, default: '' }),
    severity: Type.Enum(['minor', 'major', 'serious']),
    category: Type.Optional(
      Type.Enum(Object.keys(ART73_DAYS), {
        description:
          'EU AI Act Art. 73 category of a serious incident (high-risk use cases): standard 15 days, widespread or critical-infrastructure 2 days, death 10 days to report',
      }),
    ),
    awareAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);

export const SignedDecision = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 4000 }),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "the signer's password, re-entered (21 CFR Part 11 §11.200)",
      }),
    ),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "automation: the caller's own token with the sign scope, re-presented",
      }),
    ),
  },
  { additionalProperties: false },
);

export const WindowQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

// The monitoring view's response. Objects keep properties they do not list (the drift report
// carries every statistic Evidently reports), so nothing is dropped by serialisation.
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
export const ColumnDriftDecision = OpenObject({
  stattest: Type.Union([Type.String(), Type.Null()]),
  threshold: NullableNumber,
  drift_score: NullableNumber,
  drift_detected: Type.Boolean(),
});
export const MonitoringWindows = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  monitor: Type.Union([Type.String(), Type.Null()]),
  windowSeconds: Type.Number(),
  health: Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('alerting'), Type.Literal('no-data')]),
  items: Type.Array(
    Type.Object({
      start: Type.String(),
      end: Type.String(),
      rows: Type.Integer(),
      labelled: Type.Integer(),
      pending: Type.Boolean(),
      computedAt: Type.Union([Type.String(), Type.Null()]),
      monitor: Type.Union([Type.String(), Type.Null()]),
      drift: Type.Union([
        OpenObject({
          share_of_drifted_columns: Type.Number(),
          dataset_drift: Type.Boolean(),
          decisions: Type.Record(Type.String(), ColumnDriftDecision),
        }),
        Type.Null(),
      ]),
      performance: Type.Union([
        OpenObject({
          rows: Type.Optional(Type.Integer()),
          metrics: Type.Optional(Type.Record(Type.String(), NullableNumber)),
        }),
        Type.Null(),
      ]),
      comparison: Type.Union([ComparisonSchema, Type.Null()]),
    }),
  ),
});

const Who = Type.Union([OpenObject({ at: Type.String(), by: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]);
export const AlertSchema = OpenObject({
  id: Type.String(),
  useCaseId: Type.String(),
  team: Type.Optional(
    Type.String({ description: 'the team owning the use case, in which roles act on it (in lists)' }),
  ),
  versionId: Type.Union([Type.String(), Type.Null()]),
  rule: Type.String(),
  metric: Type.String(),
  comparator: Type.String(),
  threshold: Type.Number(),
  severity: Type.String(),
  value: NullableNumber,
  window: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  openedAt: Type.String(),
  lastSeenAt: Type.String(),
  acknowledged: Who,
  resolved: Who,
  note: Type.Union([Type.String(), Type.Null()]),
  useCase: Type.Union([Type.String(), Type.Null()], { description: "the use case's name" }),
  model: Type.Union([Type.String(), Type.Null()], { description: 'the model, for alerts on a version' }),
  version: Type.Union([Type.Integer(), Type.Null()]),
  incident: Type.Union(
    [
      OpenObject({
        id: Type.String(),
        title: Type.String(),
        severity: Type.String(),
        state: Type.String(),
      }),
      Type.Null(),
    ],
    { description: 'the incident the alert was escalated to: the open one, else the latest' },
  ),
});

export const IncidentSchema = OpenObject({
  id: Type.String(),
  useCaseId: Type.String(),
  team: Type.Optional(
    Type.String({ description: 'the team owning the use case, in which roles act on it (in lists)' }),
  ),
  versionId: Type.Union([Type.String(), Type.Null()]),
  alertId: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  description: Type.String(),
  severity: Type.String(),
  category: Type.Union([Type.String(), Type.Null()], {
    description: 'EU AI Act Art. 73 category, for high-risk use cases',
  }),
  awareAt: Type.String(),
  reportDueAt: Type.Union([Type.String(), Type.Null()]),
  overdue: Type.Boolean(),
  reported: Type.Union([
    OpenObject({
      at: Type.String(),
      by: Type.Union([Type.String(), Type.Null()]),
      reference: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  state: Type.String(),
  openedAt: Type.String(),
  closed: Who,
});

export const KpiValues = OpenObject({
  kpi: OpenObject({
    name: Type.String(),
    target: Type.Number(),
    direction: Type.Union([Type.Literal('at-least'), Type.Literal('at-most')]),
    unit: Type.Optional(Type.String()),
  }),
  items: Type.Array(OpenObject({ timestamp: Type.String(), value: Type.Number(), meetsTarget: Type.Boolean() })),
});

const SignedRecordSchema = OpenObject(
  {},
  { description: 'the signed decision: signer, meaning, manifest digest and server signature' },
);
export const SuspensionSchema = OpenObject({
  id: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  reason: Type.String(),
  active: Type.Boolean(),
  suspended: OpenObject({ at: Type.String(), by: Type.String(), signature: SignedRecordSchema }),
  lifted: Type.Union([
    OpenObject({
      at: Type.String(),
      by: Type.Union([Type.String(), Type.Null()]),
      signature: Type.Union([SignedRecordSchema, Type.Null()]),
    }),
    Type.Null(),
  ]),
});

export const MonitorSchema = OpenObject({
  id: Type.String(),
  versionId: Type.String(),
  config: OpenObject(
    {
      monitors: Type.Optional(Type.Array(Type.String())),
      challenger: Type.Optional(OpenObject({ model: Type.String(), version: Type.Integer() })),
      task: Type.String(),
      features: Type.Record(Type.String(), Type.String()),
      windowSeconds: Type.Optional(Type.Integer()),
    },
    { description: 'the configuration as given, defaults applied' },
  ),
  reference: OpenObject({
    source: OpenObject({}),
    rows: Type.Integer(),
    columns: Type.Record(
      Type.String(),
      OpenObject({
        type: Type.String(),
        n: Type.Integer(),
        missing: Type.Integer(),
        profileEdges: Type.Optional(Type.Array(Type.Number())),
      }),
    ),
  }),
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
});

export const IngestBatches = Type.Object({
  items: Type.Array(
    OpenObject({
      id: Type.String(),
      kind: Type.String(),
      format: Type.String(),
      digest: Type.String(),
      bytes: Type.Integer(),
      accepted: Type.Integer(),
      duplicates: Type.Integer(),
      rejected: Type.Integer(),
      reasons: Type.Array(Type.Unknown()),
      receivedAt: Type.String(),
      receivedBy: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
