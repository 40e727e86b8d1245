import { Type } from 'typebox';
import { Name, Nullable, OpenObject, PositiveInt, Timestamp, UseCaseRef, Uuid } from '../common/common.schema.ts';
import { ActionHint } from '../common/hints.ts';
import { CredentialFields, SignedRecordSchema } from '../common/signing.ts';

const Text = (max: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Severity = Type.String({
  minLength: 1,
  maxLength: 40,
  description: "one of the policy pack's finding severities (default low, medium, high, critical)",
});

/** A subject named by `useCase`, or by `model` and `version` (exactly one of the two). */
const SubjectFields = {
  useCase: Type.Optional(UseCaseRef),
  model: Type.Optional(Name),
  version: Type.Optional(PositiveInt()),
};

export const Subject = OpenObject({
  type: Type.Union([Type.Literal('use-case'), Type.Literal('model-version')]),
  id: Type.String(),
  useCaseId: Type.String(),
  label: Type.String({ description: "the use case's name, or model/version" }),
  model: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
});

const FindingFields = {
  severity: Severity,
  title: Text(200),
  description: Text(20000),
  owner: Text(256, 'who remediates: a username or user id'),
  dueDate: IsoDate,
  remediation: Text(20000, 'the remediation plan'),
};

export const RaiseFindingBody = Type.Object({ ...SubjectFields, ...FindingFields }, { additionalProperties: false });

export const PatchFindingBody = Type.Object(
  {
    severity: Type.Optional(FindingFields.severity),
    title: Type.Optional(FindingFields.title),
    description: Type.Optional(FindingFields.description),
    owner: Type.Optional(FindingFields.owner),
    dueDate: Type.Optional(FindingFields.dueDate),
    remediation: Type.Optional(FindingFields.remediation),
    status: Type.Optional(
      Type.Enum(['open', 'remediating'], { description: 'closing takes a signature: POST /findings/{id}/close' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SignBody = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 4000 })), ...CredentialFields },
  { additionalProperties: false },
);

const FindingProps = {
  id: Type.String(),
  subject: Subject,
  team: Type.String(),
  severity: Type.String(),
  title: Type.String(),
  description: Type.String(),
  owner: OpenObject({ id: Type.String(), username: Type.String() }),
  dueDate: Type.String(),
  overdue: Type.Boolean(),
  remediation: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('remediating'), Type.Literal('closed')]),
  blocks: Type.Array(Type.String(), { description: 'environments promotion to which it blocks while open' }),
  raisedBy: Type.String(),
  raisedAt: Timestamp,
  updatedAt: Timestamp,
  closed: Nullable(OpenObject({ at: Timestamp, by: Type.String(), signature: SignedRecordSchema })),
  revision: Type.Integer(),
};

export const Finding = OpenObject(FindingProps);

/** A finding as read: with what the caller may do with it now, by the commands' own rules. */
export const FindingRead = OpenObject({
  ...FindingProps,
  actions: OpenObject(
    { remediate: ActionHint, close: ActionHint },
    {
      description:
        'what the caller may do with it now (remediate: its owner or a validator moves it between open and remediating and revises the plan; close: a validator signs it closed)',
    },
  ),
});

const Page = { limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), cursor: Type.Optional(Uuid) };

export const FindingsQuery = Type.Object(
  {
    ...SubjectFields,
    status: Type.Optional(Type.Enum(['open', 'remediating', 'closed'])),
    severity: Type.Optional(Severity),
    ...Page,
  },
  { additionalProperties: false },
);

export const RequestExceptionBody = Type.Object(
  {
    ...SubjectFields,
    measure: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'the measure waived (a policy pack measure id)',
    }),
    reason: Text(4000),
    expiresAt: Type.String({
      format: 'date-time',
      description: "required: when the waiver ends (at most the policy pack's exceptions.maxDays ahead)",
    }),
  },
  { additionalProperties: false },
);

const ExceptionProps = {
  id: Type.String(),
  subject: Subject,
  team: Type.String(),
  measure: Type.String(),
  reason: Type.String(),
  expiresAt: Timestamp,
  status: Type.Union([
    Type.Literal('requested'),
    Type.Literal('approved'),
    Type.Literal('rejected'),
    Type.Literal('expired'),
  ]),
  valid: Type.Boolean({ description: 'whether it waives the measure now' }),
  requestedBy: Type.String(),
  requestedAt: Timestamp,
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Timestamp),
  comment: Nullable(Type.String()),
  signature: Nullable(SignedRecordSchema),
};

export const MeasureException = OpenObject(ExceptionProps);

/** An exception as read: with whether the caller may approve or reject it now. */
export const MeasureExceptionRead = OpenObject({
  ...ExceptionProps,
  actions: OpenObject(
    { approve: ActionHint, reject: ActionHint },
    { description: "whether the caller may approve or reject it now, by the decision command's own rule" },
  ),
});

/** A subject named in the query: a use case, or a model and version. */
export const SubjectQuery = Type.Object(SubjectFields, { additionalProperties: false });

export const RaiseEligibility = Type.Object({
  subject: Subject,
  raise: ActionHint,
  severities: Type.Array(Type.String(), {
    description: "the severities a finding on this subject may have (its policy pack's), least severe first",
  }),
});

export const RequestEligibility = Type.Object({
  subject: Subject,
  request: ActionHint,
});

export const ExceptionsQuery = Type.Object(
  {
    ...SubjectFields,
    status: Type.Optional(Type.Enum(['requested', 'approved', 'rejected', 'expired'])),
    measure: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    ...Page,
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const page = <T extends ReturnType<typeof OpenObject>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
