import type { Kysely } from 'kysely';

/**
 * Training completions (one row per completion recorded; the latest completion of a training is
 * the one that counts) and acknowledgements of policy pack versions, each an e-signature.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('training_completions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('training_id', 'text', (c) => c.notNull())
    .addColumn('completed_on', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text')
    .execute();
  await db.schema
    .createIndex('training_completions_user')
    .on('training_completions')
    .columns(['user_id', 'training_id', 'completed_on'])
    .execute();
  await db.schema
    .createTable('policy_acknowledgements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('pack_id', 'text', (c) => c.notNull().references('policy_packs.id'))
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addUniqueConstraint('policy_acknowledgements_once', ['user_id', 'pack_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('policy_acknowledgements').execute();
  await db.schema.dropTable('training_completions').execute();
}
