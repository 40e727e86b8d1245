import { Type, type Static } from 'typebox';

/**
 * The pack's `attestations` section: how often owners attest that a use case is still accurately
 * described and in use, which roles attest and revalidate, for which tiers validators revalidate,
 * and when reminders and escalations go out. Optional: a pack without it gets the defaults below,
 * with each tier's cadence taken from its `reviewEveryDays`.
 */
const Role = Type.Enum([
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
]);
const Days = (description: string) => Type.Integer({ minimum: 1, maximum: 3650, description });

export const AttestationsSection = Type.Object(
  {
    attestedBy: Type.Optional(
      Type.Array(Role, {
        minItems: 1,
        uniqueItems: true,
        description: "owners: the roles in the use case's team that attest (default business-stakeholder)",
      }),
    ),
    revalidatedBy: Type.Optional(
      Type.Array(Role, {
        minItems: 1,
        uniqueItems: true,
        description: 'validators: the roles that revalidate, independently of the owners (default risk-audit)',
      }),
    ),
    revalidateTiers: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 4 }), {
        uniqueItems: true,
        description: 'tiers whose campaigns also ask a validator to revalidate (default 3 and 4)',
      }),
    ),
    everyDays: Type.Optional(
      Type.Record(Type.String({ pattern: '^[1-4]$' }), Days('days between attestations at this tier'), {
        description: 'cadence per tier ("1".."4"); a tier left out attests every its tier\'s reviewEveryDays',
      }),
    ),
    openDaysBefore: Type.Optional(Days('a campaign opens this many days before it is due (default 30)')),
    remindDaysBefore: Type.Optional(
      Days('an open attestation is reminded this many days before it is due (default 7)'),
    ),
    escalateTo: Type.Optional(
      Type.Array(Role, {
        minItems: 1,
        uniqueItems: true,
        description: "roles in the use case's team an overdue attestation is escalated to (default risk-audit)",
      }),
    ),
  },
  { additionalProperties: false },
);

export type AttestationsConfig = Static<typeof AttestationsSection>;

/** The attestation rules of a pack, defaults filling what it leaves out. */
export interface AttestationRules {
  attestedBy: string[];
  revalidatedBy: string[];
  revalidateTiers: number[];
  /** Days between attestations, per tier 1..4. */
  everyDays: Record<number, number>;
  openDaysBefore: number;
  remindDaysBefore: number;
  escalateTo: string[];
}

/** The pack's attestation rules, each tier's cadence defaulting to its `reviewEveryDays`. */
export function attestationRules(pack: {
  tiers: { tier: number; reviewEveryDays: number }[];
  attestations?: AttestationsConfig;
}): AttestationRules {
  const a = pack.attestations ?? {};
  const everyDays: Record<number, number> = {};
  for (const t of pack.tiers) everyDays[t.tier] = a.everyDays?.[String(t.tier)] ?? t.reviewEveryDays;
  return {
    attestedBy: a.attestedBy ?? ['business-stakeholder'],
    revalidatedBy: a.revalidatedBy ?? ['risk-audit'],
    revalidateTiers: a.revalidateTiers ?? [3, 4],
    everyDays,
    openDaysBefore: a.openDaysBefore ?? 30,
    remindDaysBefore: a.remindDaysBefore ?? 7,
    escalateTo: a.escalateTo ?? ['risk-audit'],
  };
}
