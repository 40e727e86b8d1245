import type { Kysely } from 'kysely';

/**
 * The governance programme's KPI history: one value per day, KPI and team ('*' for the whole
 * organisation), written once per day by whichever replica takes the day's snapshot first; and
 * the alerts raised to the programme's owner while a KPI misses its target.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('governance_kpi_snapshots')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('kpi', 'text', (c) => c.notNull())
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('numerator', 'double precision')
    .addColumn('denominator', 'double precision')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('governance_kpi_snapshots_pk', ['day', 'kpi', 'team'])
    .execute();
  await db.schema
    .createTable('governance_kpi_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kpi', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('comparator', 'text', (c) => c.notNull())
    .addColumn('target', 'double precision', (c) => c.notNull())
    .addColumn('owner_team', 'text', (c) => c.notNull())
    .addColumn('owner_role', 'text', (c) => c.notNull())
    .addColumn('opened_day', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    // The KPI while the alert is open, null after: at most one open alert per KPI.
    .addColumn('open_key', 'text', (c) => c.unique())
    .execute();
  await db.schema
    .createIndex('governance_kpi_alerts_opened_idx')
    .on('governance_kpi_alerts')
    .columns(['opened_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('governance_kpi_alerts').execute();
  await db.schema.dropTable('governance_kpi_snapshots').execute();
}
