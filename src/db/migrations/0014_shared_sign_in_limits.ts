import type { Kysely } from 'kysely';

/**
 * Failed sign-ins per account and per source address, kept in the database so that every replica
 * counts the same guesses (and a restart does not forgive them). `failures` is a JSON array of
 * epoch milliseconds; `last_pass` the last attempt let through a locked account from a clean
 * address; `updated_at` (epoch ms) lets stale rows be pruned.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'text', (c) => c.notNull())
    .addColumn('last_pass', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_limits_updated').on('sign_in_limits').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_limits').execute();
}
