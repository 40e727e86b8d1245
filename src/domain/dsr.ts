/** Data-subject requests: the kinds GDPR Art. 15-22 (and the CCPA) give people, and their deadlines. */

export const DSR_TYPES = [
  'access',
  'erasure',
  'rectification',
  'restriction',
  'objection-automated-decision',
  'portability',
] as const;
export type DsrType = (typeof DSR_TYPES)[number];

export const DSR_STATUSES = ['received', 'in-progress', 'completed', 'refused'] as const;
export type DsrStatus = (typeof DSR_STATUSES)[number];

/** Column PII kinds a category may name directly; `personal-data` names every one of them. */
export const PII_CATEGORIES = ['direct-identifier', 'quasi-identifier', 'special-category', 'pseudonymised'] as const;
export const ANY_PERSONAL_DATA = 'personal-data';

/** Art. 12(3): the controller may extend the month by two further months, once. */
export const MAX_EXTENSION_MONTHS = 2;

/**
 * The same day `months` calendar months after `day` (YYYY-MM-DD), clamped to the last day of a
 * shorter month (31 January + 1 month = 28 or 29 February), as Art. 12(3)'s "one month" is read.
 */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const index = m - 1 + months;
  const year = y + Math.floor(index / 12);
  const month = ((index % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, last))).toISOString().slice(0, 10);
}

/** Whether `day` is a real calendar date written YYYY-MM-DD. */
export function isDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const t = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === day;
}

/** A request is overdue once its due day has passed while it is still open. */
export function isOverdue(r: { status: string; dueOn: string }, today: string): boolean {
  return (r.status === 'received' || r.status === 'in-progress') && r.dueOn < today;
}

/**
 * Which work each request type asks of the teams whose models touch the data: erasure-like
 * requests change the data (erase, rectify, restrict) and may need a model retrained; an objection
 * to an automated decision asks for the decision to be reconsidered by a person and the model
 * reviewed; access and portability ask for the data to be provided. Every request is documented.
 */
export function dsrWork(type: DsrType): { erase: string | null; retrain: boolean } {
  switch (type) {
    case 'erasure':
      return { erase: 'Erase', retrain: true };
    case 'rectification':
      return { erase: 'Rectify', retrain: true };
    case 'restriction':
      return { erase: 'Restrict processing of', retrain: false };
    case 'objection-automated-decision':
      return { erase: null, retrain: true };
    case 'access':
    case 'portability':
      return { erase: null, retrain: false };
  }
}

/**
 * Whether a dataset column holds the category: a PII kind matches columns of that kind,
 * `personal-data` every personal-data column, and other text personal-data columns whose name or
 * description contains it (case-insensitive).
 */
export function columnHolds(category: string, column: { name: string; description: string; piiKind: string }): boolean {
  if (column.piiKind === 'none') return false;
  const c = category.trim().toLowerCase();
  if (c === ANY_PERSONAL_DATA) return true;
  if ((PII_CATEGORIES as readonly string[]).includes(c)) return column.piiKind === c;
  return column.name.toLowerCase().includes(c) || column.description.toLowerCase().includes(c);
}
