import type { Kysely } from 'kysely';

/**
 * Deleted models (MLflow's registered-models/delete of an ungoverned model): kept for the record
 * under a name no client can use, and out of every list.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('models').addColumn('deleted_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('models').dropColumn('deleted_at').execute();
}
