import { Type } from 'typebox';
import { Nullable, OpenObject as Open } from '../common/common.schema.ts';
import { Considered, Failure, RequirementState, Waiver } from '../common/requirement.schema.ts';
import { SignedRecordSchema } from '../common/signing.ts';

// Response schemas of the risk-assessment and ethical-position routes (objects keep properties they do not list).
const AnswerValue = Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.String())]);

export const RuleFiring = Open({
  rule: Type.String(),
  description: Type.String(),
  answers: Type.Record(Type.String(), AnswerValue, { description: 'the answers the rule read, as given' }),
  tier: Type.Optional(Type.Integer()),
  tags: Type.Optional(Type.Array(Type.String())),
  euAiAct: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
});

export const Assessment = Open({
  id: Type.String(),
  useCaseId: Type.String(),
  policy: Open({ id: Type.String(), name: Type.String(), version: Type.String() }),
  answers: Type.Record(Type.String(), AnswerValue),
  assessedTier: Type.Integer(),
  tier: Type.Integer({ description: 'the tier in force: a confirmed override, otherwise the assessed tier' }),
  tags: Type.Array(Type.String()),
  euAiAct: Type.String(),
  trace: Type.Array(RuleFiring),
  reviewBy: Type.String(),
  overdue: Type.Boolean(),
  current: Type.Boolean(),
  reevaluateUnder: Nullable(Type.String()),
  override: Nullable(
    Open({
      tier: Type.Integer(),
      reason: Type.String(),
      requestedBy: Nullable(Type.String()),
      requestedAt: Type.String(),
      confirmedBy: Nullable(Type.String()),
      confirmedAt: Nullable(Type.String()),
      signature: Type.Union([SignedRecordSchema, Type.Null()], {
        description: "the confirmation's e-signature (null for overrides confirmed before signatures were required)",
      }),
    }),
  ),
  pendingOverride: Nullable(
    Open({
      tier: Type.Integer(),
      reason: Type.String(),
      requestedBy: Nullable(Type.String()),
      requestedAt: Type.String(),
    }),
  ),
  createdAt: Type.String(),
  createdBy: Nullable(Type.String()),
});

export const AssessmentHistory = Type.Object({ current: Nullable(Assessment), history: Type.Array(Assessment) });

export const UseCaseRequirements = Open({
  assessed: Type.Boolean(),
  policy: Type.Optional(Open({ id: Type.String(), name: Type.String(), version: Type.String() })),
  tier: Type.Optional(Type.Integer()),
  reevaluateUnder: Type.Optional(Nullable(Type.String())),
  requirements: Type.Array(
    Open({
      measure: Type.String(),
      title: Type.Optional(Type.String()),
      step: Type.Optional(Type.String()),
      status: RequirementState,
      waiver: Type.Optional(Waiver),
      underlying: Type.Optional(Type.String({ description: 'for `waived`: the status without the waiver' })),
      unmet: Type.Optional(Type.Array(Type.String())),
      reason: Type.Optional(Type.String()),
      failures: Type.Optional(Type.Array(Failure)),
      considered: Type.Optional(Type.Array(Considered)),
    }),
  ),
});

const Classification = Nullable(
  Open({ tier: Type.Integer(), assessedTier: Type.Integer(), tags: Type.Array(Type.String()), euAiAct: Type.String() }),
);
/** What activating a candidate pack would change for one use case. */
export const SimulatedChange = Open({
  useCaseId: Type.String(),
  useCase: Type.String(),
  versions: Type.Array(Type.String()),
  current: Classification,
  candidate: Classification,
  answerProblems: Type.Array(Open({ question: Type.String(), message: Type.String() })),
  measuresAdded: Type.Array(Type.String()),
  measuresRemoved: Type.Array(Type.String()),
});

export const EthicalPosition = Open({
  version: Type.Integer(),
  wellbeingAspects: Type.Array(Type.String()),
  psychologicalImpact: Type.String(),
  financialImpact: Type.String(),
  transparency: Type.String(),
  accountability: Type.String(),
  statement: Type.Optional(Type.String()),
  createdAt: Type.String(),
  createdBy: Nullable(Type.String()),
});

export const Alignment = Open({
  required: Type.Boolean({ description: 'tier 3 and above must align with the current ethical position' }),
  status: Type.Union([
    Type.Literal('not-required'),
    Type.Literal('no-position'),
    Type.Literal('missing'),
    Type.Literal('aligned'),
    Type.Literal('review'),
  ]),
  currentVersion: Nullable(Type.Integer()),
  alignments: Type.Array(
    Open({
      positionVersion: Type.Integer(),
      statement: Type.String(),
      recordedAt: Type.String(),
      recordedBy: Nullable(Type.String()),
    }),
  ),
});
