import { Type, type Static, type TSchema } from 'typebox';
import { COMPARATORS, SEVERITIES } from '../monitoring/alerts.ts';
import { DEFAULT_RECENT_WINDOWS, MONITOR_FAMILY_IDS } from '../monitoring/families.ts';
import { ProgrammeSection } from './pack-programme.ts';
import { AttestationsSection } from './pack-attestations.ts';
import { GovernanceSections } from './pack-governance.ts';
import { PackTrainingsSchema } from './pack-trainings.ts';

/**
 * The policy-pack format (`apiVersion: steward.policy/v1`), as a TypeBox schema: the same object
 * validates uploads, is published as JSON Schema (GET /api/v1/policies/schema) and types the
 * evaluator. Everything in a pack is declarative data; conditions are a small closed language.
 */
const Id = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[a-z0-9][a-z0-9.-]*$',
  description: 'lowercase id: letters, digits, `.`, `-`',
});
const Text = (max = 4000) => Type.String({ minLength: 1, maxLength: max });
const Tier = Type.Integer({ minimum: 1, maximum: 4 });
const Role = Type.Enum([
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
]);
const AnswerValue = Type.Union([Type.String(), Type.Boolean()]);
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

const QuestionId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[a-zA-Z][a-zA-Z0-9]*$',
  description: 'camelCase question id',
});

// Conditions over questionnaire answers. Recursive through `all` / `any` / `not`.
const Leaf = Type.Union([
  Type.Object({ question: QuestionId, equals: AnswerValue }, { additionalProperties: false }),
  Type.Object({ question: QuestionId, in: Type.Array(AnswerValue, { minItems: 1 }) }, { additionalProperties: false }),
  Type.Object(
    { question: QuestionId, includes: Type.String() },
    { additionalProperties: false, description: 'a list answer contains the value' },
  ),
  Type.Object(
    { question: QuestionId, includesAny: Type.Array(Type.String(), { minItems: 1 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { question: QuestionId, isEmpty: Type.Boolean() },
    { additionalProperties: false, description: 'a list answer is (not) empty' },
  ),
  Type.Object(
    { tag: Id },
    { additionalProperties: false, description: 'the classification carries this tag (regulation requirements only)' },
  ),
]);
export type LeafCondition = Static<typeof Leaf>;
export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const ConditionSchema: TSchema = Type.Unsafe<Condition>({
  $id: 'PolicyCondition',
  anyOf: [
    ...(Leaf as unknown as { anyOf: TSchema[] }).anyOf,
    {
      type: 'object',
      properties: { all: { type: 'array', minItems: 1, items: { $ref: 'PolicyCondition' } } },
      required: ['all'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { any: { type: 'array', minItems: 1, items: { $ref: 'PolicyCondition' } } },
      required: ['any'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { not: { $ref: 'PolicyCondition' } },
      required: ['not'],
      additionalProperties: false,
    },
  ],
});
const Cond = Type.Unsafe<Condition>({ $ref: 'PolicyCondition' });

const Question = Type.Object(
  {
    id: QuestionId,
    text: Text(500),
    help: Type.Optional(Text()),
    group: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'the heading the question is shown under; questions without one are shown under "Questions"',
      }),
    ),
    type: Type.Enum(['choice', 'multi-choice', 'boolean'], {
      description: '`choice`: one of options; `multi-choice`: a list of options (may be empty); `boolean`',
    }),
    options: Type.Optional(
      Type.Array(
        Type.Object(
          { value: Type.String({ minLength: 1, maxLength: 100 }), label: Text(300) },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
    ),
    required: Type.Optional(Type.Boolean({ description: 'default true' })),
  },
  { additionalProperties: false },
);

export const EU_AI_ACT_CATEGORIES = ['minimal', 'limited', 'high-risk', 'prohibited'] as const;
export type EuAiActCategory = (typeof EU_AI_ACT_CATEGORIES)[number];

const Rule = Type.Object(
  {
    id: Id,
    description: Text(),
    when: Cond,
    tier: Type.Optional(Tier),
    tags: Type.Optional(Type.Array(Id, { uniqueItems: true })),
    euAiAct: Type.Optional(Type.Enum(EU_AI_ACT_CATEGORIES)),
    /** Recorded, with the rule that fired, when an exemption is claimed (e.g. Art. 6(3)). */
    note: Type.Optional(Text()),
  },
  { additionalProperties: false },
);

/** Who may accept a document: roles, or `owner-team` (anyone holding a role in the use case's owning team). */
export const OWNER_TEAM = 'owner-team';
const AcceptedBy = Type.Array(Type.Union([Role, Type.Literal(OWNER_TEAM)]), {
  minItems: 1,
  uniqueItems: true,
  description:
    "roles whose acceptance (an e-signature) makes the document count; `owner-team`: any role in the owner's team",
});

const Evidence = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('signoff'),
      roles: Type.Array(Role, { minItems: 1, uniqueItems: true }),
      signers: Type.Optional(Type.Integer({ minimum: 1, description: 'distinct signers needed (default 1)' })),
      independent: Type.Optional(
        Type.Boolean({
          description: 'signers must not have built or signed as developer of what they approve (default false)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('document'),
      documentKind: Id,
      acceptedBy: Type.Optional(AcceptedBy),
      independent: Type.Optional(
        Type.Boolean({
          description:
            "the reviewer must not be the document's author nor have built the version (default: the pack's documentReview)",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('check'),
      metric: Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[a-z0-9][a-z0-9.@-]*$',
        description:
          'an evaluation metric (accuracy, roc-auc, demographic-parity-ratio...) or a robustness metric robustness.[worst-group.]<metric>[-drop]@<level>, the level <x>sd, swap<rate> or missing<rate> (e.g. robustness.auc-drop@0.1sd)',
      }),
      comparator: Type.Enum(['>=', '>', '<=', '<', '==']),
      threshold: Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE, description: 'a finite number' }),
      subgroupAggregate: Type.Optional(Type.Enum(['min', 'max', 'ratio', 'difference'])),
      datasetRoles: Type.Optional(
        Type.Array(Type.Enum(['training', 'evaluation', 'validation']), {
          minItems: 1,
          uniqueItems: true,
          description:
            "only evaluations on the version's datasets of these roles count, and every one of them decides, not only the latest (default: the latest result on each dataset decides)",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('data-residency'), description: Type.Optional(Text()) },
    {
      additionalProperties: false,
      description:
        "every registered dataset version the version was trained or evaluated on is legally held in one of the use case's regions",
    },
  ),
  Type.Object(
    { kind: Type.Literal('ethical-alignment'), description: Type.Optional(Text()) },
    {
      additionalProperties: false,
      description:
        'the use case records its alignment with the current ethical position (required from tier 3; met below it or while none is published)',
    },
  ),
  Type.Object(
    {
      kind: Type.Literal('monitoring'),
      monitor: Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[a-z0-9][a-z0-9.-]*$',
        description: `a monitor family Steward computes: ${MONITOR_FAMILY_IDS.join(', ')}`,
      }),
      description: Type.Optional(Text()),
      windows: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 1000,
          description: `the family must have been computed in one of the version's last N monitoring windows (default ${DEFAULT_RECENT_WINDOWS})`,
        }),
      ),
      beats: Type.Optional(
        Type.Object(
          {
            metric: Type.Enum(['accuracy', 'roc-auc', 'mae', 'rmse']),
            by: Type.Number({
              minimum: -1e9,
              maximum: 1e9,
              description: 'the least improvement over the champion (errors: how much lower), e.g. 0.01',
            }),
            p: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'the paired test must give p below this' }),
          },
          {
            additionalProperties: false,
            description:
              'champion-challenger only: met on a challenger whose latest comparison beats its champion by >= by with p < p',
          },
        ),
      ),
    },
    { additionalProperties: false },
  ),
]);

const Measure = Type.Object(
  {
    id: Id,
    title: Text(300),
    description: Text(),
    consideration: Id,
    step: Id,
    evidence: Type.Array(Evidence, { minItems: 1, description: 'all of these satisfy the measure together' }),
    requires: Type.Optional(
      Type.Array(Id, { uniqueItems: true, description: 'measures that must be satisfied first' }),
    ),
  },
  { additionalProperties: false },
);

const RaciLetter = Type.String({ pattern: '^(A|R|C|I|A/R)?$' });
const RaciRow = Type.Object(
  {
    task: Id,
    title: Text(200),
    step: Id,
    roles: Type.Record(Type.String(), RaciLetter),
  },
  { additionalProperties: false },
);

const Requirement = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._()-]*$' }),
    title: Text(300),
    source: Text(500),
    effective: Type.Object({ from: IsoDate, until: Type.Optional(IsoDate) }, { additionalProperties: false }),
    status: Type.Optional(Type.Enum(['in-force', 'pending', 'rescinded'])),
    note: Type.Optional(Text()),
    appliesWhen: Type.Optional(Cond),
    measures: Type.Array(Id, { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const DocumentTemplate = Type.Object(
  {
    document: Type.Enum(['model-card', 'validation-report', 'annex-iv']),
    tiers: Type.Optional(
      Type.Array(Tier, { minItems: 1, uniqueItems: true, description: 'applies at these tiers only' }),
    ),
    title: Type.Optional(Text(200)),
    preamble: Type.Optional(Text()),
    storeAs: Type.Optional({ ...Id, description: 'document kind the generated document is stored as evidence under' }),
    sections: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            title: Type.Optional(Text(200)),
            intro: Type.Optional(Text()),
            documentKinds: Type.Optional(
              Type.Array(Id, { uniqueItems: true, description: 'recorded documents of these kinds are quoted here' }),
            ),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, description: 'the sections, in order (ids of the built-in sections of the document)' },
      ),
    ),
  },
  { additionalProperties: false },
);

const Regulation = Type.Object(
  {
    id: Id,
    title: Text(300),
    /** The pack applies to a use case carrying this tag (set by classification rules). */
    tag: Id,
    requirements: Type.Array(Requirement, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const PolicyPackSchema = Type.Object(
  {
    apiVersion: Type.Literal('steward.policy/v1'),
    name: Id,
    version: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', description: 'semantic version' }),
    description: Type.Optional(Text()),
    tiers: Type.Array(
      Type.Object(
        {
          tier: Tier,
          name: Text(100),
          criticality: Text(300),
          operationalisation: Text(500),
          reviewEveryDays: Type.Integer({ minimum: 1, maximum: 3650 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 4, maxItems: 4 },
    ),
    questionnaire: Type.Array(Question, { minItems: 1 }),
    classification: Type.Object({ rules: Type.Array(Rule, { minItems: 1 }) }, { additionalProperties: false }),
    considerations: Type.Array(
      Type.Object({ id: Id, title: Text(200), light: Text(500), heavy: Text(500) }, { additionalProperties: false }),
      { minItems: 1 },
    ),
    steps: Type.Array(
      Type.Object(
        {
          id: Id,
          title: Text(200),
          activities: Type.Array(Text(300), { minItems: 1 }),
          dueDays: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 3650,
              description: 'days the tasks created when an item enters this step are due in (default 14)',
            }),
          ),
          scope: Type.Optional(
            Type.Enum(['use-case', 'version'], {
              description:
                'use-case: its sign-offs are given once on the use case and hold for every version (scoping); default version',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    processes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            title: Text(200),
            description: Type.Optional(Text()),
            steps: Type.Array(Id, {
              minItems: 1,
              uniqueItems: true,
              description: "a subsequence of the pack's steps, in their order",
            }),
            tiers: Type.Optional(
              Type.Array(Tier, { minItems: 1, uniqueItems: true, description: 'applies only at these tiers' }),
            ),
            appliesWhen: Type.Optional(Cond),
          },
          { additionalProperties: false },
        ),
        {
          description:
            'process templates; a use case follows the first whose tiers and condition match (a pack without processes: every step)',
        },
      ),
    ),
    environments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.Enum(['development', 'qa', 'preproduction', 'production']),
            requires: Type.Union([Id, Type.Null()], {
              description: 'promotion needs every gate up to and including this step (null: none)',
            }),
            aliases: Type.Optional(
              Type.Array(Id, {
                uniqueItems: true,
                description: 'moving these aliases on a governed model is a promotion to this environment',
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    alertRules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            title: Type.Optional(Text(200)),
            metric: Type.String({
              minLength: 1,
              maxLength: 300,
              pattern: '^[A-Za-z0-9_.*:-]+$',
              description:
                'drift.dataset, drift.share, drift.column.<feature>, performance.<metric>[.decay], predictions.rows, kpi.<name>[.missed], challenger.<metric>.improvement|.p; one * segment matches any name',
            }),
            comparator: Type.Enum(COMPARATORS),
            threshold: Type.Number({
              minimum: -Number.MAX_VALUE,
              maximum: Number.MAX_VALUE,
              description: 'a finite number',
            }),
            severity: Type.Enum(SEVERITIES),
            tiers: Type.Optional(
              Type.Array(Tier, { minItems: 1, uniqueItems: true, description: 'applies at these tiers only' }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          description:
            "monitoring alert rules each model gets by default at its tier; a model's monitor replaces them by id or adds its own",
        },
      ),
    ),
    documentReview: Type.Optional(
      Type.Array(
        Type.Object(
          {
            tiers: Type.Array(Tier, { minItems: 1, uniqueItems: true }),
            documentKinds: Type.Optional(
              Type.Array(Id, { minItems: 1, uniqueItems: true, description: 'only these kinds (default: every kind)' }),
            ),
            acceptedBy: AcceptedBy,
            independent: Type.Optional(Type.Boolean({ description: 'default false' })),
          },
          { additionalProperties: false },
        ),
        {
          description:
            "who accepts a document measure's documents when the measure does not say: the first entry whose tiers and kinds match (none: the owner's team)",
        },
      ),
    ),
    raci: Type.Array(RaciRow),
    measures: Type.Array(Measure, { minItems: 1 }),
    programme: Type.Optional(ProgrammeSection),
    /** consideration id -> { "1".."4": measure ids required at that tier } */
    matrix: Type.Record(
      Type.String(),
      Type.Record(Type.String({ pattern: '^[1-4]$' }), Type.Array(Id, { uniqueItems: true })),
    ),
    regulations: Type.Array(Regulation),
    trainings: Type.Optional(PackTrainingsSchema),
    documents: Type.Optional(
      Type.Array(DocumentTemplate, {
        description:
          'templates of the documents Steward generates (model card, validation report, Annex IV): sections, their order and wording, per tier; the first template of a document whose tiers include the tier applies, else the built-in one',
      }),
    ),
    ...GovernanceSections,
    attestations: Type.Optional(AttestationsSection),
  },
  { additionalProperties: false },
);
export type PolicyPack = Static<typeof PolicyPackSchema>;

/** The published JSON Schema (draft 2020-12) of a policy pack, conditions included. */
export const packJsonSchema = () => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:steward:schema:policy-pack:v1',
  ...PolicyPackSchema,
  $defs: { PolicyCondition: ConditionSchema },
});
