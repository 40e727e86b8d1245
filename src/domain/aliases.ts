/** What an alias name may be: letters, digits, `_` and `-` (as MLflow's registry allows). */
export const ALIAS_PATTERN = '^[\\w\\-]+$';

/** Alias names MLflow reserves for its own resolution (`latest`, `v1`, `v2`...). */
export function isReservedAlias(alias: string): boolean {
  return alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias);
}
