import type { Kysely } from 'kysely';

/**
 * Data residency: a dataset version may be held in another legal region than its dataset (a copy
 * exported elsewhere). Null means the dataset's region, which is what every existing version keeps.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('dataset_versions').addColumn('legal_region', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('dataset_versions').dropColumn('legal_region').execute();
}
