import { Type, type Static } from 'typebox';
import { PackTrainingSchema } from '../../domain/policy/pack-trainings.ts';
import { CredentialFields, SignedRecordSchema } from '../common/signing.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const TrainingRef = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9.-]*$' });

export const TrainingCatalogue = Type.Object({
  pack: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() }), Type.Null()]),
  enforceFrom: Type.Union([Day, Type.Null()], {
    description: 'from this day a role that requires a training signs only while it is current (null: not enforced)',
  }),
  items: Type.Array(PackTrainingSchema),
});
export type TrainingCatalogue = Static<typeof TrainingCatalogue>;

export const CompletionView = Type.Object({
  id: Type.String(),
  training: Type.String(),
  completedOn: Day,
  certificate: Type.Union([Type.String(), Type.Null()]),
  source: Type.Enum(['self', 'admin', 'import']),
  recordedAt: Type.String(),
  recordedBy: Type.Union([Type.String(), Type.Null()]),
});
export type CompletionView = Static<typeof CompletionView>;

export const TrainingStatusView = Type.Object({
  training: Type.String(),
  title: Type.String(),
  status: Type.Enum(['current', 'expired', 'missing']),
  completedOn: Type.Union([Day, Type.Null()]),
  expiresOn: Type.Union([Day, Type.Null()], { description: 'the first day the latest completion no longer counts' }),
  requiredBy: Type.Array(Type.String(), { description: "the user's roles that require it to sign" }),
});

export const AcknowledgementView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  packId: Type.String(),
  signedAt: Type.String(),
  signature: SignedRecordSchema,
});
export type AcknowledgementView = Static<typeof AcknowledgementView>;

export const UserTrainings = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String() }),
  enforceFrom: Type.Union([Day, Type.Null()]),
  items: Type.Array(TrainingStatusView),
  completions: Type.Array(CompletionView),
  acknowledgements: Type.Array(AcknowledgementView),
});
export type UserTrainings = Static<typeof UserTrainings>;

export const RecordCompletionBody = Type.Object(
  {
    training: TrainingRef,
    completedOn: Type.String({ minLength: 1, maxLength: 10, description: 'YYYY-MM-DD, not in the future' }),
    certificate: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'a certificate number or link' }),
    ),
  },
  { additionalProperties: false },
);
export type RecordCompletionBody = Static<typeof RecordCompletionBody>;

export const ImportBody = Type.Object(
  {
    csv: Type.String({
      minLength: 1,
      maxLength: 1_000_000,
      description: 'lines `username,training,completedOn` (an optional header line of those names)',
    }),
  },
  { additionalProperties: false },
);

export const ImportResult = Type.Object({ imported: Type.Integer(), items: Type.Array(CompletionView) });
export type ImportResult = Static<typeof ImportResult>;

export const LiteracyReport = Type.Object({
  team: Type.String(),
  asOf: Day,
  trainings: Type.Array(Type.String(), { description: 'the AI-literacy trainings of the active pack' }),
  members: Type.Array(
    Type.Object({
      userId: Type.String(),
      username: Type.String(),
      displayName: Type.String(),
      roles: Type.Array(Type.String()),
      status: Type.Enum(['current', 'expired', 'missing']),
      training: Type.Union([Type.String(), Type.Null()]),
      completedOn: Type.Union([Day, Type.Null()]),
      expiresOn: Type.Union([Day, Type.Null()]),
    }),
  ),
  summary: Type.Object({
    members: Type.Integer(),
    current: Type.Integer(),
    expired: Type.Integer(),
    missing: Type.Integer(),
  }),
});
export type LiteracyReport = Static<typeof LiteracyReport>;

export const AcknowledgeBody = Type.Object(
  {
    packId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'default: the active pack' })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    ...CredentialFields,
  },
  { additionalProperties: false },
);
