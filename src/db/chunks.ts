/**
 * `xs` in consecutive parts of at most `size`: lists of ids or rows split below the databases'
 * limits on the parameters of one statement (SQLite 32,766; PostgreSQL 65,535).
 */
export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
