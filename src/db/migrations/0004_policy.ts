import { sql, type Kysely } from 'kysely';

/** Policy packs, risk assessments with tier overrides, and the ethical position. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('policy_packs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('activated_at', 'text')
    .addColumn('activated_by', 'text')
    .addUniqueConstraint('policy_packs_version_uq', ['name', 'version'])
    .execute();
  // At most one active pack: everything is evaluated under it.
  await db.schema
    .createIndex('policy_packs_one_active')
    .on('policy_packs')
    .column('status')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('assessments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('pack_id', 'text', (c) => c.notNull().references('policy_packs.id'))
    .addColumn('answers', 'text', (c) => c.notNull())
    .addColumn('tier', 'integer', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('eu_ai_act', 'text', (c) => c.notNull())
    .addColumn('trace', 'text', (c) => c.notNull())
    .addColumn('review_by', 'text', (c) => c.notNull())
    .addColumn('current', 'integer', (c) => c.notNull())
    .addColumn('reevaluate_under', 'text')
    // The override in force (confirmed), and a request waiting for confirmation, kept apart so a
    // new request never suspends the override already signed off.
    .addColumn('override_tier', 'integer')
    .addColumn('override_reason', 'text')
    .addColumn('override_requested_by', 'text')
    .addColumn('override_requested_at', 'text')
    .addColumn('override_confirmed_by', 'text')
    .addColumn('override_confirmed_at', 'text')
    .addColumn('pending_tier', 'integer')
    .addColumn('pending_reason', 'text')
    .addColumn('pending_requested_by', 'text')
    .addColumn('pending_requested_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema
    .createIndex('assessments_use_case_idx')
    .on('assessments')
    .columns(['use_case_id', 'created_at'])
    .execute();
  await db.schema.createIndex('assessments_review_idx').on('assessments').columns(['current', 'review_by']).execute();
  // One current assessment per use case, whatever the concurrency.
  await db.schema
    .createIndex('assessments_one_current')
    .on('assessments')
    .column('use_case_id')
    .unique()
    .where(sql.ref('current'), '=', 1)
    .execute();

  await db.schema
    .createTable('ethical_positions')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();

  await db.schema
    .createTable('ethical_alignments')
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('position_version', 'integer', (c) => c.notNull().references('ethical_positions.version'))
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text')
    .addPrimaryKeyConstraint('ethical_alignments_pk', ['use_case_id', 'position_version'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['ethical_alignments', 'ethical_positions', 'assessments', 'policy_packs'])
    await db.schema.dropTable(t).execute();
}
