import type { Kysely } from 'kysely';

/**
 * The discovery inbox: models found outside the inventory (an external MLflow server, the
 * admission stream, artefact directories, MLflow registrations without a use case), one row per
 * source and external key so a re-scan updates instead of duplicating; and the record of each scan
 * with its per-source outcome.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('discovery_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_key', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.references('models.id'))
    .addColumn('reason', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('seen_count', 'integer', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .addUniqueConstraint('discovery_findings_identity', ['source', 'external_key'])
    .execute();
  await db.schema
    .createIndex('discovery_findings_status')
    .on('discovery_findings')
    .columns(['status', 'first_seen_at', 'id'])
    .execute();
  await db.schema
    .createTable('discovery_scans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sources', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema.createIndex('discovery_scans_started').on('discovery_scans').columns(['started_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('discovery_scans').execute();
  await db.schema.dropTable('discovery_findings').execute();
}
