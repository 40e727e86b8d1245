import { Type } from 'typebox';
import { Nullable, OpenObject } from './common.schema.ts';

// How a requirement's status is reported, by the lifecycle (versions, use-case steps) and the
// policy feature (a use case's requirements) alike.

export const RequirementState = Type.Union(
  [
    Type.Literal('satisfied'),
    Type.Literal('failed'),
    Type.Literal('missing'),
    Type.Literal('stale'),
    Type.Literal('waived'),
  ],
  {
    description:
      '`failed`: evidence exists and does not hold (see `failures`); `missing`: no evidence; `stale`: met only by evidence for another artefact; `waived`: unmet, but an approved exception waives it until it expires (see `waiver`, `underlying`)',
  },
);

export const Waiver = OpenObject(
  {
    exception: Type.String({ description: 'the exception (GET /api/v1/exceptions/{id})' }),
    measure: Type.String(),
    approvedBy: Type.String({ description: 'user id of the approver' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { description: 'the approved exception that waives the measure until it expires' },
);

export const Failure = OpenObject(
  {
    evidence: Type.String({ description: 'the evidence that decided (evaluation id, dataset version, use case)' }),
    expected: Type.String({ description: 'the evidence item of the measure' }),
    metric: Type.Optional(Type.String()),
    observed: Type.Optional(Type.Number()),
    comparator: Type.Optional(Type.String()),
    threshold: Type.Optional(Type.Number()),
    dataDigest: Type.Optional(Nullable(Type.String())),
    dataset: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    regions: Type.Optional(Type.Array(Type.String())),
    detail: Type.String(),
  },
  { description: 'why a requirement failed: what the deciding evidence showed' },
);

export const Considered = OpenObject(
  {
    evidence: Type.String(),
    metric: Type.String(),
    observed: Type.Number(),
    comparator: Type.String(),
    threshold: Type.Number(),
    holds: Type.Boolean(),
    dataDigest: Nullable(Type.String()),
    artifactDigest: Nullable(Type.String()),
    recordedAt: Nullable(Type.String()),
    current: Type.Boolean({ description: 'recorded for the current artefact digest' }),
    decides: Type.Boolean({ description: 'the latest result for its artefact and data: it decides' }),
  },
  {
    description:
      'a check result the requirement looked at: every one is listed, oldest first, and `decides` marks those the status rests on',
  },
);
