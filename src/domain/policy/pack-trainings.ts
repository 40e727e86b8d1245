import { Type, type Static } from 'typebox';
import { ROLES } from '../authz.ts';

/**
 * The `trainings` section of a policy pack: the courses people must have completed, for how long a
 * completion counts, and which roles may only sign while it is current (21 CFR Part 11
 * §11.10(i)). Requirements bind signatures only from `enforceFrom`, so a pack can announce a
 * training and collect completions before it starts refusing signatures.
 */
const TrainingId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[a-z0-9][a-z0-9.-]*$',
  description: 'lowercase id: letters, digits, `.`, `-`',
});

export const PackTrainingSchema = Type.Object(
  {
    id: TrainingId,
    title: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    validityDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      description: 'a completion counts for this many days after the day it was completed',
    }),
    requiredFor: Type.Array(Type.Enum(ROLES.filter((r) => r !== 'viewer')), {
      uniqueItems: true,
      description: 'roles that may only sign while this training is current (may be empty)',
    }),
    aiLiteracy: Type.Optional(
      Type.Boolean({ description: 'counts as AI literacy (EU AI Act Art. 4) in the per-team report (default false)' }),
    ),
  },
  { additionalProperties: false },
);

export const PackTrainingsSchema = Type.Object(
  {
    enforceFrom: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description:
          'YYYY-MM-DD: from this day on a role that requires a training cannot sign without it (absent: recorded and reported, not enforced)',
      }),
    ),
    courses: Type.Array(PackTrainingSchema, { description: 'the trainings; ids are unique' }),
  },
  { additionalProperties: false, description: 'trainings people complete, and the roles that need them to sign' },
);

export type PackTraining = Static<typeof PackTrainingSchema>;
export type PackTrainings = Static<typeof PackTrainingsSchema>;
