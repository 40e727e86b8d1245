import { sql, type Kysely } from 'kysely';

/**
 * The console's overview pages through use cases and their live models by name. This index gives
 * those rows in that order from the index alone (its columns are all the page's choice needs), so
 * a deep page skips its offset in the index instead of joining and sorting every model.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('models_overview_idx')
    .on('models')
    .columns(['use_case_id', 'name', 'id', 'updated_at', 'deleted_at'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('models_overview_idx').execute();
}
