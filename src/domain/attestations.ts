// Periodic attestation and revalidation campaigns: when a use case falls due, what each party may
// decide, and when an open attestation is reminded or escalated. Pure: days are YYYY-MM-DD strings.

/** What an owner attests. */
export const OWNER_DECISIONS = ['still-accurate', 'retire', 'description-changed'] as const;
/** What a validator decides on revalidation. */
export const VALIDATOR_DECISIONS = ['revalidated', 'not-revalidated'] as const;
export const ATTESTATION_KINDS = ['owner', 'validator'] as const;

export type OwnerDecision = (typeof OWNER_DECISIONS)[number];
export type ValidatorDecision = (typeof VALIDATOR_DECISIONS)[number];
export type AttestationKind = (typeof ATTESTATION_KINDS)[number];
export type AttestationDecision = OwnerDecision | ValidatorDecision;

/** The decisions open to the party of an attestation of `kind`. */
export const decisionsFor = (kind: AttestationKind): readonly AttestationDecision[] =>
  kind === 'owner' ? OWNER_DECISIONS : VALIDATOR_DECISIONS;

/** `day` plus `days` calendar days (UTC). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The day a use case's next attestation is due: `everyDays` after its last attestation cycle was
 * settled, or after its assessment when it has never been attested.
 */
export function nextDueOn(input: { assessedOn: string; lastSettledOn: string | null; everyDays: number }): string {
  return addDays(input.lastSettledOn ?? input.assessedOn, input.everyDays);
}

/**
 * Whether a campaign opens for a use case on `today`, and with which due day: it opens
 * `openDaysBefore` days ahead of the due day. A due day already past (a use case assessed long
 * before campaigns began, or a cycle missed) gets the full lead time from today instead: nobody is
 * asked to attest by a day that has gone.
 */
export function campaignDue(nextDue: string, today: string, openDaysBefore: number): string | null {
  if (addDays(nextDue, -openDaysBefore) > today) return null;
  return nextDue >= today ? nextDue : addDays(today, openDaysBefore);
}

/** Whether an open attestation due on `dueOn` is reminded on `today` (within the reminder lead, not yet late). */
export const remindable = (dueOn: string, today: string, remindDaysBefore: number): boolean =>
  addDays(dueOn, -remindDaysBefore) <= today && today <= dueOn;

/** Whether an open attestation due on `dueOn` is overdue on `today`. */
export const overdueOn = (dueOn: string, today: string): boolean => dueOn < today;
