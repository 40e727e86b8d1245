/**
 * `xs` in consecutive parts of at most `size`: lists of ids or rows split below the databases'
 * limits on the parameters of one statement (SQLite 32,766; PostgreSQL 65,535).
 */
export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * The rows `read` returns for `keys`, read in statement-sized parts and grouped by `keyOf` in the
 * order read: one statement per part, however many keys (a page of versions read at once). Every
 * key asked for is present, with no rows where nothing matched.
 */
export async function grouped<T>(
  keys: string[],
  read: (part: string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
  size = 500,
): Promise<Map<string, T[]>> {
  const out = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const part of chunks([...out.keys()], size)) for (const row of await read(part)) out.get(keyOf(row))?.push(row);
  return out;
}

/** Like `grouped`, for reads that match at most one row a key: that row, by key (absent: none). */
export async function keyed<T>(
  keys: string[],
  read: (part: string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
  size = 500,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const [key, [row]] of await grouped(keys, read, keyOf, size)) if (row !== undefined) out.set(key, row);
  return out;
}
