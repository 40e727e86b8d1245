import { sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { Tx } from './database.ts';
import type { Database } from './schema.ts';

/**
 * Starts a statement that takes the write locks of the rows its `where` selects, until the
 * transaction ends: a no-op update of `column` (set to itself). Commands take it before a
 * read-modify-write so that a concurrent one waits instead of failing its revision check or
 * deciding on a stale read. PostgreSQL locks the rows; SQLite has one writer at a time anyway, so
 * there it only costs the statement. One idiom for every table, instead of `SELECT ... FOR UPDATE`,
 * which SQLite does not have.
 */
export function lockRows<T extends keyof Database & string>(
  tx: Tx,
  table: T,
  column: keyof Database[T] & string,
): UpdateQueryBuilder<Database, T, T, UpdateResult> {
  // Kysely cannot type a set() over a table chosen by a type parameter; the column is checked above.
  const update = tx.updateTable(table) as unknown as {
    set(values: Record<string, unknown>): UpdateQueryBuilder<Database, T, T, UpdateResult>;
  };
  return update.set({ [column]: sql.ref(column) });
}
