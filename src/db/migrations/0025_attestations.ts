import type { Kysely } from 'kysely';

/**
 * Attestation and revalidation campaigns. One row per party (owner, validator) per use case per
 * cycle; the unique key (use case, kind, due day) is what makes the daily campaign idempotent
 * across runs and replicas. `reminded_at` and `escalated_at` make each reminder and escalation go
 * out once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attestations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tier', 'integer', (c) => c.notNull())
    .addColumn('due_on', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decision', 'text')
    .addColumn('comment', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('signature', 'text')
    .addColumn('task_id', 'text')
    .addColumn('follow_up_task_id', 'text')
    .addColumn('reminded_at', 'text')
    .addColumn('escalated_at', 'text')
    .addColumn('escalation_task_id', 'text')
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('attestations_cycle_key', ['use_case_id', 'kind', 'due_on'])
    .execute();
  await db.schema.createIndex('attestations_open_idx').on('attestations').columns(['status', 'due_on']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attestations').execute();
}
