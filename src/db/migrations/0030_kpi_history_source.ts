import type { Kysely } from 'kysely';

/**
 * Where a KPI history value comes from: `computed` by Steward's own snapshot, or `imported` from
 * the organisation's earlier reporting (days before Steward measured). Imported values are shown
 * as such and never stand in for a computed snapshot.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('governance_kpi_snapshots')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('computed'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('governance_kpi_snapshots').dropColumn('source').execute();
}
