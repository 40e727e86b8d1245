import type { Kysely } from 'kysely';

/**
 * Reviewed documents and four eyes on governance itself. A document (of a version or of a use
 * case) counts toward a measure only once accepted by a reviewer's e-signature: one review per
 * revision (`document_id` is unique), its signed manifest kept with it. Documents recorded
 * before this migration have no review row, so they stay `submitted`. Pack activation and
 * tier-override confirmation become e-signatures too: their signed manifests are kept beside the
 * record they decided.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('document_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('document_id', 'text', (c) => c.notNull().unique())
    // The version (evidence row) or use case (use-case document) the document belongs to.
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('reviewer_id', 'text', (c) => c.notNull())
    .addColumn('reviewer_name', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('document_reviews_subject_idx').on('document_reviews').column('subject_id').execute();
  await db.schema.alterTable('policy_packs').addColumn('activation_signature', 'text').execute();
  await db.schema.alterTable('assessments').addColumn('override_signature', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('document_reviews').execute();
  await db.schema.alterTable('policy_packs').dropColumn('activation_signature').execute();
  await db.schema.alterTable('assessments').dropColumn('override_signature').execute();
}
