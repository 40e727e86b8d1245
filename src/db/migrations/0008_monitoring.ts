import type { Kysely } from 'kysely';

/**
 * Production monitoring: prediction and label logs (idempotent by record id), ingest batches,
 * producer profiles, reference snapshots, computed windows, KPI values, alerts, incidents and
 * human-oversight suspensions. Timestamps that windows are cut on are epoch milliseconds.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('predictions')
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('ts_ms', 'bigint', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('prediction', 'text')
    .addColumn('score', 'double precision')
    .addColumn('label', 'text')
    .addColumn('labelled_at', 'text')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('predictions_pk', ['model_version_id', 'record_id'])
    .execute();
  await db.schema.createIndex('predictions_window').on('predictions').columns(['model_version_id', 'ts_ms']).execute();

  await db.schema
    .createTable('ingest_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_version_id', 'text', (c) => c.references('model_versions.id'))
    .addColumn('use_case_id', 'text', (c) => c.references('use_cases.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('accepted', 'integer', (c) => c.notNull())
    .addColumn('duplicates', 'integer', (c) => c.notNull())
    .addColumn('rejected', 'integer', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('received_by', 'text')
    .execute();
  await db.schema
    .createIndex('ingest_batches_version')
    .on('ingest_batches')
    .columns(['model_version_id', 'received_at'])
    .execute();

  await db.schema
    .createTable('monitor_profiles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('profile_key', 'text', (c) => c.notNull())
    .addColumn('window_start_ms', 'bigint', (c) => c.notNull())
    .addColumn('window_end_ms', 'bigint', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('received_by', 'text')
    .addUniqueConstraint('monitor_profiles_key', ['model_version_id', 'profile_key'])
    .execute();
  await db.schema
    .createIndex('monitor_profiles_window')
    .on('monitor_profiles')
    .columns(['model_version_id', 'window_start_ms'])
    .execute();

  // The reference a version's drift is measured against, frozen when the monitor is configured.
  await db.schema
    .createTable('monitor_references')
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('config_id', 'text', (c) => c.notNull())
    .addColumn('column_name', 'text', (c) => c.notNull())
    .addColumn('column_type', 'text', (c) => c.notNull())
    .addColumn('n_raw', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_references_pk', ['model_version_id', 'config_id', 'column_name'])
    .execute();

  await db.schema
    .createTable('monitor_windows')
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('window_start_ms', 'bigint', (c) => c.notNull())
    .addColumn('window_end_ms', 'bigint', (c) => c.notNull())
    // Raised by every new record or label; a computation stores the generation it read, and the
    // window is pending while they differ. A worker holds a window by a lease that expires.
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('computed_generation', 'integer', (c) => c.notNull())
    .addColumn('lease_until_ms', 'bigint')
    .addColumn('drift', 'text')
    .addColumn('performance', 'text')
    .addColumn('rows', 'bigint', (c) => c.notNull())
    .addColumn('labelled', 'bigint', (c) => c.notNull())
    .addColumn('computed_at', 'text')
    .addColumn('config_id', 'text')
    .addPrimaryKeyConstraint('monitor_windows_pk', ['model_version_id', 'window_start_ms'])
    .execute();
  await db.schema
    .createIndex('monitor_windows_pending')
    .on('monitor_windows')
    .columns(['model_version_id', 'generation', 'computed_generation'])
    .execute();

  await db.schema
    .createTable('kpi_values')
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('kpi', 'text', (c) => c.notNull())
    .addColumn('ts_ms', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kpi_values_pk', ['use_case_id', 'kpi', 'ts_ms'])
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('model_version_id', 'text', (c) => c.references('model_versions.id'))
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('comparator', 'text', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('window_start_ms', 'bigint')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('note', 'text')
    // One unresolved alert per rule and subject: a rule that keeps firing updates it instead.
    .addColumn('open_key', 'text', (c) => c.unique())
    .execute();
  await db.schema.createIndex('alerts_subject').on('alerts').columns(['use_case_id', 'state']).execute();
  await db.schema.createIndex('alerts_version').on('alerts').columns(['model_version_id', 'state']).execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('model_version_id', 'text', (c) => c.references('model_versions.id'))
    .addColumn('alert_id', 'text', (c) => c.references('alerts.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('aware_at', 'text', (c) => c.notNull())
    .addColumn('report_due_at', 'text')
    .addColumn('reported_at', 'text')
    .addColumn('reported_by', 'text')
    .addColumn('report_reference', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('opened_by', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .execute();
  await db.schema.createIndex('incidents_use_case').on('incidents').columns(['use_case_id', 'state']).execute();

  await db.schema
    .createTable('suspensions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('suspended_at', 'text', (c) => c.notNull())
    .addColumn('suspended_by', 'text', (c) => c.notNull())
    .addColumn('lifted_at', 'text')
    .addColumn('lifted_by', 'text')
    .addColumn('lift_signature', 'text')
    // Set while the suspension holds: at most one active suspension per version.
    .addColumn('active_key', 'text', (c) => c.unique())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'suspensions',
    'incidents',
    'alerts',
    'kpi_values',
    'monitor_windows',
    'monitor_references',
    'monitor_profiles',
    'ingest_batches',
    'predictions',
  ])
    await db.schema.dropTable(t).execute();
}
