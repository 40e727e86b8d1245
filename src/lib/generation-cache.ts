/**
 * Values kept while a generation holds: a value that changes whenever anything the values were
 * computed from may have changed (on SQLite, the write generation). A read opens the cache at the
 * generation it saw before computing; moving to another generation drops everything kept. What it
 * computed is kept only if no other read has seen a newer generation meanwhile, so a value that
 * raced with a write never outlives it. A null generation keeps nothing (PostgreSQL: another
 * replica's writes are not seen). At most `max` values are kept; past that, all are dropped.
 */
export function createGenerationCache<V>(max: number) {
  const kept = new Map<string, V>();
  let keptAt: string | null = null;
  return {
    open(at: string | null) {
      if (at === null || at !== keptAt) {
        kept.clear();
        keptAt = at;
      }
      return {
        has: (key: string) => kept.has(key),
        get: (key: string) => kept.get(key),
        /** Keeps `entries` if the generation this read opened at is still the newest seen. */
        keep(entries: [string, V][]) {
          if (at === null || at !== keptAt) return;
          if (kept.size + entries.length > max) kept.clear();
          for (const [key, value] of entries) kept.set(key, value);
        },
      };
    },
  };
}
