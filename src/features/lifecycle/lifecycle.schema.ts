import { Type, type TSchema } from 'typebox';
import { Nullable, OpenObject } from '../common/common.schema.ts';
import { Considered, Failure, RequirementState, Waiver } from '../common/requirement.schema.ts';

// Response schemas of the lifecycle routes (objects keep properties they do not list).
const Open = <P extends Record<string, TSchema>>(props: P, description?: string) =>
  OpenObject(props, description ? { description } : {});

export const Blocker = Open({
  gate: Type.String({ description: 'the process step whose gate the measure belongs to' }),
  measure: Type.String(),
  title: Type.String(),
  status: Type.Union([Type.Literal('failed'), Type.Literal('missing'), Type.Literal('stale')], {
    description:
      '`failed`: evidence exists and does not hold; `missing`: no evidence; `stale`: evidence for another artefact',
  }),
  detail: Type.Array(Type.String(), {
    description: 'what failed (with the observed value) or is missing, or why it went stale',
  }),
  signoff: Type.Boolean({ description: 'true when what is missing is a sign-off' }),
});

export const Gate = Open({ step: Type.String(), passed: Type.Boolean(), blockers: Type.Array(Blocker) });

export const Requirement = Open({
  measure: Type.String(),
  title: Type.String(),
  step: Type.String(),
  status: RequirementState,
  waiver: Type.Optional(Waiver),
  underlying: Type.Optional(Type.String({ description: 'for `waived`: the status without the waiver' })),
  unmet: Type.Optional(Type.Array(Type.String())),
  reason: Type.Optional(Type.String()),
  failures: Type.Optional(Type.Array(Failure)),
  considered: Type.Optional(Type.Array(Considered)),
});

export const SignatureChange = Open(
  {
    what: Type.Union([
      Type.Literal('definition'),
      Type.Literal('policy'),
      Type.Literal('evidence'),
      Type.Literal('requirement'),
      Type.Literal('assessment'),
    ]),
  },
  'what changed since signing: from/to digests, an evidence id, or a measure with its old and new status',
);

export const Signature = Open({
  id: Type.String(),
  signer: Open({
    id: Type.String(),
    username: Type.String(),
    name: Type.String({ description: 'printed name (Part 11 §11.50)' }),
  }),
  role: Type.String(),
  meaning: Type.String(),
  comment: Type.String(),
  step: Type.String(),
  signedAt: Type.String(),
  manifestDigest: Type.String(),
  serverSignature: Type.String(),
  auditSeq: Nullable(Type.Integer()),
  status: Type.Union([Type.Literal('valid'), Type.Literal('stale')]),
  changes: Type.Array(SignatureChange),
});

/** A review decision on a document revision (an e-signature with meaning `review`). */
export const DocumentReview = Open({
  id: Type.String(),
  decision: Type.Union([Type.Literal('accepted'), Type.Literal('rejected')]),
  role: Type.String(),
  comment: Type.String(),
  reviewer: Open({ id: Type.String(), name: Type.String({ description: 'printed name (Part 11 §11.50)' }) }),
  reviewedAt: Type.String(),
  manifestDigest: Type.String(),
  serverSignature: Type.String(),
});

/** A document revision with its review state and who may accept it. */
export const ReviewedDocument = Open({
  id: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  contentHash: Type.String(),
  createdAt: Type.String(),
  createdBy: Nullable(Type.String()),
  state: Type.Union(
    [Type.Literal('submitted'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('superseded')],
    { description: 'only an accepted current revision counts toward a measure' },
  ),
  review: Nullable(DocumentReview),
  acceptance: Type.Array(Open({ acceptedBy: Type.Array(Type.String()), independent: Type.Boolean() }), {
    description: 'who may accept it (any one rule suffices): roles, or owner-team',
  }),
});

export const Task = Open({
  id: Type.String(),
  subject: Open({ type: Type.String(), id: Type.String() }),
  model: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
  useCase: Nullable(Type.String()),
  useCaseId: Nullable(Type.String({ description: 'the use case the subject is, or the one its model serves' })),
  blocked: Nullable(
    Type.String({
      description:
        'in the inbox: why the caller cannot complete the task although their role is asked (an independent sign-off on what they created)',
    }),
  ),
  kind: Type.String(),
  step: Type.String(),
  title: Type.String(),
  team: Type.String(),
  role: Type.String(),
  raci: Type.String(),
  details: Type.Unknown(),
  status: Type.String(),
  due: Type.String(),
  overdue: Type.Boolean(),
  createdAt: Type.String(),
  closedAt: Nullable(Type.String()),
  closedBy: Nullable(Type.String()),
  assignee: Nullable(
    Open(
      { id: Type.String(), username: Type.String(), at: Type.String() },
      'the person the task is assigned to (one who holds its role in its team)',
    ),
  ),
});

const Signatory = Open({ username: Type.String(), displayName: Type.String() });

/** What every "can I sign this?" read answers: allowed, or why not and who can instead. */
const eligibilityFields = (what: string, codes: string[]) => ({
  role: Type.String(),
  allowed: Type.Boolean({ description: 'true when signing would be accepted once the credentials are right' }),
  code: Nullable(Type.Enum(codes, { description: 'the error code signing would answer with' })),
  reason: Nullable(Type.String({ description: 'why not, in plain words' })),
  canSign: Type.Array(Signatory, {
    description: `other people holding the role in the ${what}'s team (or organisation-wide) and independent of it`,
  }),
  training: Nullable(Open({ id: Type.String(), title: Type.String() })),
});
const SIGN_CODES = ['forbidden', 'training_required', 'separation_of_duties', 'conflict'];

export const SigningEligibility = Open({
  model: Type.String(),
  version: Type.Integer(),
  meaning: Type.String(),
  ...eligibilityFields('version', SIGN_CODES),
});

export const UseCaseSigningEligibility = Open({
  useCase: Type.String({ description: "the use case's id" }),
  meaning: Type.String(),
  ...eligibilityFields('use case', SIGN_CODES),
});

export const ReviewEligibility = Open({
  document: Type.String({ description: "the document revision's id" }),
  decision: Type.String(),
  ...eligibilityFields('subject', SIGN_CODES),
});

export const Promotion = Open({
  id: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  environment: Type.String(),
  reason: Type.String(),
  mode: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('blocked'),
    Type.Literal('approved'),
    Type.Literal('rejected'),
    Type.Literal('completed'),
    Type.Literal('cancelled'),
  ]),
  blockers: Type.Array(Blocker),
  reasons: Type.Array(Type.String()),
  requestedBy: Nullable(Type.String()),
  requestedAt: Type.String(),
  decidedAt: Nullable(Type.String()),
});

export const VersionStatus = Open({
  etag: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  team: Type.String({ description: "the team owning the version (its use case's), in which roles act on it" }),
  governed: Type.Boolean(),
  coveredDigest: Nullable(Type.String()),
  policy: Nullable(Open({ id: Type.String(), name: Type.String(), version: Type.String(), tier: Type.Integer() })),
  process: Nullable(Open({ id: Type.String(), title: Type.String(), steps: Type.Array(Type.String()) })),
  step: Nullable(Type.String()),
  steps: Type.Array(
    Open({
      id: Type.String(),
      title: Type.String(),
      state: Type.Union([Type.Literal('done'), Type.Literal('current'), Type.Literal('upcoming')]),
      gate: Gate,
    }),
  ),
  requirements: Type.Array(Requirement),
  signatures: Type.Array(Signature),
  documents: Type.Array(ReviewedDocument, {
    description: "the version's documents with their review states, newest first",
  }),
  promotions: Type.Array(
    Open({ id: Type.String(), environment: Type.String(), status: Type.String(), requestedAt: Type.String() }),
  ),
  deployments: Type.Array(
    Open({
      id: Type.String(),
      environment: Type.String(),
      mode: Type.String(),
      since: Type.String(),
      until: Nullable(Type.String()),
      active: Type.Boolean(),
      verifiedBy: Nullable(Type.String()),
      verifiedAt: Nullable(Type.String()),
    }),
  ),
  tasks: Type.Array(Task),
});

export const VersionRequirements = Open({
  assessed: Type.Boolean(),
  policy: Type.Optional(Open({ id: Type.String(), name: Type.String(), version: Type.String() })),
  tier: Type.Optional(Type.Integer()),
  reevaluateUnder: Type.Optional(Nullable(Type.String())),
  requirements: Type.Array(Requirement),
});

const StepState = Type.Union([Type.Literal('done'), Type.Literal('current'), Type.Literal('upcoming')]);

/** A use case's own steps (scoping, ideation): gates, documents and signatures. */
export const UseCaseStatus = Open({
  useCase: Open({ id: Type.String(), name: Type.String() }),
  governed: Type.Boolean(),
  process: Nullable(Open({ id: Type.String(), title: Type.String(), steps: Type.Array(Type.String()) })),
  step: Nullable(Type.String()),
  steps: Type.Array(Open({ id: Type.String(), state: StepState, gate: Gate })),
  requirements: Type.Array(Requirement),
  documents: Type.Array(
    Open({
      ...ReviewedDocument.properties,
      uri: Nullable(Type.String()),
      digest: Nullable(Type.String()),
    }),
  ),
  signatures: Type.Array(Signature),
});
