import type { Kysely } from 'kysely';

/**
 * Data-subject requests (GDPR Art. 15-22, CCPA) recorded by the data-protection officer. The trace
 * (dataset versions holding the category, model versions trained or evaluated on them, tasks
 * opened) is kept as it was found when the request was recorded: it is the record of what was
 * acted on, and later registrations do not rewrite it. `overdue_noted_at` makes the daily overdue
 * check record its audit event once per request.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('data_subject_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_ref', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('received_on', 'text', (c) => c.notNull())
    .addColumn('due_on', 'text', (c) => c.notNull())
    .addColumn('extension_reason', 'text')
    .addColumn('extended_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('close_reason', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('trace', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('overdue_noted_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema
    .createIndex('data_subject_requests_open_idx')
    .on('data_subject_requests')
    .columns(['status', 'due_on'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('data_subject_requests').execute();
}
