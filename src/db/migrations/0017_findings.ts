import type { Kysely } from 'kysely';

/**
 * Findings raised by validators against a use case or a model version, and exceptions (waivers) of
 * one measure for one use case or version, requested, decided by e-signature and expiring.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('remediation', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('raised_by', 'text', (c) => c.notNull())
    .addColumn('raised_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('close_signature', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('findings_subject').on('findings').columns(['subject_id', 'status']).execute();
  await db.schema.createIndex('findings_use_case').on('findings').columns(['use_case_id', 'status']).execute();
  await db.schema.createIndex('findings_status').on('findings').columns(['status', 'severity']).execute();

  await db.schema
    .createTable('measure_exceptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('measure', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decision_comment', 'text')
    .addColumn('signature', 'text')
    .addColumn('expired_at', 'text')
    .execute();
  await db.schema
    .createIndex('measure_exceptions_subject')
    .on('measure_exceptions')
    .columns(['subject_id', 'status'])
    .execute();
  await db.schema
    .createIndex('measure_exceptions_expiry')
    .on('measure_exceptions')
    .columns(['status', 'expires_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('measure_exceptions').execute();
  await db.schema.dropTable('findings').execute();
}
