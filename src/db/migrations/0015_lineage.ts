import type { Kysely } from 'kysely';

/**
 * OpenLineage runs received: one row per (run, event type, event time), so a re-sent event is
 * recognised and answered as before; the model version a run produced, when it names one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lineage_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event_time', 'text', (c) => c.notNull())
    .addColumn('job_namespace', 'text', (c) => c.notNull())
    .addColumn('job_name', 'text', (c) => c.notNull())
    .addColumn('producer', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.references('model_versions.id'))
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addUniqueConstraint('lineage_runs_event', ['run_id', 'event_type', 'event_time'])
    .execute();
  await db.schema.createIndex('lineage_runs_version').on('lineage_runs').column('model_version_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lineage_runs').execute();
}
