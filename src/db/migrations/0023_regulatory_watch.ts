import type { Kysely } from 'kysely';

/**
 * How far the regulatory change watch has looked, per policy pack: changes on days after
 * `through_day` are still to be acted on. One row per pack, so replicas racing through the same
 * day act once (the row is locked while the day's changes are written).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('regulatory_watch')
    .addColumn('pack_id', 'text', (c) => c.primaryKey())
    .addColumn('through_day', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('regulatory_watch').execute();
}
