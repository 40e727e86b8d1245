import type { PackTraining, PackTrainings } from './policy/pack-trainings.ts';

/** Where a person stands on one training on a given day. */
export interface TrainingStanding {
  status: 'current' | 'expired' | 'missing';
  /** The latest completion day (YYYY-MM-DD), null when never completed. */
  completedOn: string | null;
  /** The first day the latest completion no longer counts, null when never completed. */
  expiresOn: string | null;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True iff `day` is a real calendar day written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDay(day: string): boolean {
  const m = ISO_DAY.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

/** `day` plus `n` days, as YYYY-MM-DD (UTC calendar). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The UTC calendar day of an instant. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * A person's standing on `training` on `today`, from their latest completion: it counts from the
 * day it was completed for `validityDays` days, and has expired from `expiresOn` on.
 */
export function standing(training: PackTraining, latest: string | undefined, today: string): TrainingStanding {
  if (latest === undefined) return { status: 'missing', completedOn: null, expiresOn: null };
  const expiresOn = addDays(latest, training.validityDays);
  return { status: today < expiresOn ? 'current' : 'expired', completedOn: latest, expiresOn };
}

/** A training that stops a signature: which one, and the standing that stops it. */
export interface MissingTraining {
  training: PackTraining;
  role: string;
  standing: TrainingStanding;
}

/**
 * The training that stops someone signing in one of `roles` on `today`, or null. A signer acting
 * in one role (`roles` of one) needs every training that role requires; one who may act through
 * any of several roles is stopped only when every one of them lacks a training. Nothing is
 * required before the pack's `enforceFrom` day, nor when the pack sets none.
 */
export function blockingTraining(
  trainings: PackTrainings | undefined,
  roles: readonly string[],
  latest: ReadonlyMap<string, string>,
  today: string,
): MissingTraining | null {
  if (!trainings?.enforceFrom || today < trainings.enforceFrom || roles.length === 0) return null;
  let first: MissingTraining | null = null;
  for (const role of roles) {
    const lacking = trainings.courses
      .filter((t) => (t.requiredFor as string[]).includes(role))
      .map((t) => ({ training: t, role, standing: standing(t, latest.get(t.id), today) }))
      .find((m) => m.standing.status !== 'current');
    if (!lacking) return null;
    first ??= lacking;
  }
  return first;
}
