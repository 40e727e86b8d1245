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

/** A use case's attestation standing as the inventory shows it, from its attestation rows alone. */
export interface InventoryAttestation {
  /** open / overdue: a cycle awaits a decision; current: the last one is settled; retired: its owner retired it. */
  status: 'open' | 'overdue' | 'current' | 'retired';
  /** The day the owner last attested, if ever. */
  lastAttestedOn: string | null;
  /** The earliest due day of what is open, if anything is. */
  dueOn: string | null;
}

/**
 * The inventory's attestation column for one use case on `today`, from its rows (any order), or
 * null before its first campaign. Only the rows are read, so a page of the inventory costs one query.
 */
export function inventoryAttestation(
  rows: readonly { status: string; decision: string | null; kind: string; due_on: string; decided_at: string | null }[],
  today: string,
): InventoryAttestation | null {
  if (rows.length === 0) return null;
  const attested = rows
    .filter((r) => r.kind === 'owner' && r.status === 'decided' && r.decided_at)
    .map((r) => r.decided_at!.slice(0, 10))
    .sort();
  const lastAttestedOn = attested.at(-1) ?? null;
  if (rows.some((r) => r.decision === 'retire')) return { status: 'retired', lastAttestedOn, dueOn: null };
  const due = rows
    .filter((r) => r.status === 'open')
    .map((r) => r.due_on)
    .sort()[0];
  if (due === undefined) return { status: 'current', lastAttestedOn, dueOn: null };
  return { status: overdueOn(due, today) ? 'overdue' : 'open', lastAttestedOn, dueOn: due };
}
