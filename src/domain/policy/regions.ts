/** EU member states (ISO 3166-1 alpha-2; Greece as `GR`, also written `EL` in EU usage). */
const EU = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'EL',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
]);
/** The EEA: the EU and Iceland, Liechtenstein and Norway. */
const EEA_ONLY = new Set(['IS', 'LI', 'NO']);

/**
 * Whether data held in region `inner` lies within region `outer`, as use cases and datasets name
 * regions (ISO 3166 codes such as `DE` or `US-CA`, `EU`, `EEA`, `GLOBAL`; case-insensitive): the
 * same region, a member state within `EU` or `EEA`, the EU within the EEA, a subdivision within its
 * country, anything within `GLOBAL`.
 */
export function regionWithin(inner: string, outer: string): boolean {
  const i = inner.trim().toUpperCase();
  const o = outer.trim().toUpperCase();
  if (i === o || o === 'GLOBAL') return true;
  const country = i.split('-')[0]!;
  if (o === 'EU') return EU.has(country);
  if (o === 'EEA') return i === 'EU' || EU.has(country) || EEA_ONLY.has(country);
  return !o.includes('-') && i.startsWith(`${o}-`);
}
