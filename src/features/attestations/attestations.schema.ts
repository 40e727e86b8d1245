import { Type } from 'typebox';
import { ATTESTATION_KINDS, OWNER_DECISIONS, VALIDATOR_DECISIONS } from '../../domain/attestations.ts';
import { Nullable, OpenObject, TeamSlug, Timestamp, UseCaseRef, Uuid } from '../common/common.schema.ts';
import { ActionHint } from '../common/hints.ts';
import { CredentialFields, SignedRecordSchema } from '../common/signing.ts';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Kind = Type.Enum([...ATTESTATION_KINDS], {
  description: 'owner: the owners attest; validator: a validator revalidates',
});
const Decision = Type.Enum([...OWNER_DECISIONS, ...VALIDATOR_DECISIONS], {
  description: `owners: ${OWNER_DECISIONS.join(', ')}; validators: ${VALIDATOR_DECISIONS.join(', ')}`,
});
const Page = { limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), cursor: Type.Optional(Uuid) };

export const AttestationsQuery = Type.Object(
  {
    useCase: Type.Optional(UseCaseRef),
    team: Type.Optional(TeamSlug),
    kind: Type.Optional(Kind),
    status: Type.Optional(Type.Enum(['open', 'decided'])),
    overdue: Type.Optional(Type.Boolean({ description: 'only open attestations past their due day' })),
    ...Page,
  },
  { additionalProperties: false },
);

export const StatusQuery = Type.Object({ team: Type.Optional(TeamSlug), ...Page }, { additionalProperties: false });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const DecideBody = Type.Object(
  {
    decision: Decision,
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    ...CredentialFields,
  },
  { additionalProperties: false },
);

const UseCase = OpenObject({ id: Type.String(), name: Type.String() });

const AttestationProps = {
  id: Type.String(),
  useCase: UseCase,
  team: Type.String(),
  kind: Kind,
  tier: Type.Integer(),
  dueOn: Type.String(),
  overdue: Type.Boolean(),
  status: Type.Enum(['open', 'decided']),
  decision: Nullable(Decision),
  comment: Nullable(Type.String()),
  decided: Nullable(OpenObject({ by: Type.String(), at: Timestamp, signature: SignedRecordSchema })),
  taskId: Nullable(Type.String()),
  followUpTaskId: Nullable(Type.String({ description: 'the re-assessment or retirement task the decision opened' })),
  remindedAt: Nullable(Timestamp),
  escalatedAt: Nullable(Timestamp),
  openedAt: Timestamp,
};

export const Attestation = OpenObject(AttestationProps);

/** An attestation as read: with whether the caller may decide it now. */
export const AttestationRead = OpenObject({
  ...AttestationProps,
  actions: OpenObject(
    { decide: ActionHint },
    {
      description:
        "whether the caller may decide it now, by the decision command's own rule (role, independence, state, training)",
    },
  ),
});

export const AttestationPage = Type.Object({
  items: Type.Array(AttestationRead),
  nextCursor: Nullable(Type.String()),
});

export const AttestationStatus = OpenObject({
  useCase: UseCase,
  team: Type.String(),
  tier: Type.Integer(),
  status: Type.Enum(['never', 'open', 'overdue', 'current', 'retired']),
  lastAttestedOn: Nullable(IsoDate),
  nextDueOn: Nullable(IsoDate),
});

export const StatusPage = Type.Object({ items: Type.Array(AttestationStatus), nextCursor: Nullable(Type.String()) });

export const RunResult = Type.Object({
  opened: Type.Array(Attestation),
  reminded: Type.Integer(),
  escalated: Type.Integer(),
});
