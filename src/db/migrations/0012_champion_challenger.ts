import type { Kysely } from 'kysely';

/**
 * Champion/challenger: a monitored version (the champion) may name a challenger or shadow version
 * that logs predictions on the same record ids. `monitor_challengers` holds the pairing of each
 * champion's current monitor (so a challenger's new records re-open the champion's windows), and
 * each window keeps the comparison computed on its jointly labelled records.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('monitor_windows').addColumn('comparison', 'text').execute();
  // How many jointly labelled records the comparison was computed on (0: none, or no challenger).
  await db.schema
    .alterTable('monitor_windows')
    .addColumn('joint_labelled', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('monitor_challengers')
    .addColumn('champion_version_id', 'text', (c) => c.primaryKey().references('model_versions.id'))
    .addColumn('challenger_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('config_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('monitor_challengers_challenger')
    .on('monitor_challengers')
    .column('challenger_version_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('monitor_challengers').execute();
  await db.schema.alterTable('monitor_windows').dropColumn('joint_labelled').execute();
  await db.schema.alterTable('monitor_windows').dropColumn('comparison').execute();
}
