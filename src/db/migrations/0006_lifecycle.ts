import type { Kysely } from 'kysely';

/**
 * The governed lifecycle: where each model version stands in its process, electronic signatures
 * bound to what they covered, promotion requests, deployments, and the RACI task inbox.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lifecycle_states')
    .addColumn('model_version_id', 'text', (c) => c.primaryKey().references('model_versions.id'))
    .addColumn('process_id', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'text', (c) => c.notNull())
    .addColumn('entered_by', 'text')
    .execute();

  await db.schema
    .createTable('use_case_states')
    .addColumn('use_case_id', 'text', (c) => c.primaryKey().references('use_cases.id'))
    .addColumn('process_id', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'text', (c) => c.notNull())
    .addColumn('entered_by', 'text')
    .execute();

  // Documents of a use case's own steps (scoping, ideation): recorded once for all its versions.
  await db.schema
    .createTable('use_case_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('uri', 'text')
    .addColumn('digest', 'text')
    .addColumn('content', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema
    .createIndex('use_case_documents_idx')
    .on('use_case_documents')
    .columns(['use_case_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('signatures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // A model version, or a use case (sign-offs of its scoping steps, given once for all its versions).
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('signer_id', 'text', (c) => c.notNull())
    .addColumn('signer_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('meaning', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('manifest_digest', 'text', (c) => c.notNull())
    .addColumn('covered_digest', 'text', (c) => c.notNull())
    .addColumn('server_signature', 'text', (c) => c.notNull())
    .addColumn('audit_seq', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The same person signing the same state in the same role and meaning twice is one signature.
  await db.schema
    .createIndex('signatures_once')
    .on('signatures')
    .columns(['subject_id', 'signer_id', 'role', 'meaning', 'covered_digest'])
    .unique()
    .execute();

  await db.schema
    .createTable('promotions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('blockers', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    // Non-null while the request is open, so one version has one open request per environment.
    .addColumn('open_key', 'text')
    .execute();
  await db.schema.createIndex('promotions_one_open').on('promotions').column('open_key').unique().execute();
  await db.schema
    .createIndex('promotions_version_idx')
    .on('promotions')
    .columns(['model_version_id', 'requested_at'])
    .execute();

  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('promotion_id', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull())
    .addColumn('until', 'text')
    .addColumn('verified_by', 'text')
    .addColumn('verified_at', 'text')
    // Non-null while active: one version per model, environment and mode.
    .addColumn('active_key', 'text')
    .execute();
  await db.schema.createIndex('deployments_one_active').on('deployments').column('active_key').unique().execute();
  await db.schema.createIndex('deployments_version_idx').on('deployments').columns(['model_version_id']).execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // A model version or a use case (its own steps).
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('raci', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .execute();
  await db.schema.createIndex('tasks_inbox_idx').on('tasks').columns(['status', 'team', 'role', 'due_at']).execute();
  await db.schema.createIndex('tasks_subject_idx').on('tasks').columns(['subject_id', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'tasks',
    'deployments',
    'promotions',
    'signatures',
    'use_case_documents',
    'use_case_states',
    'lifecycle_states',
  ])
    await db.schema.dropTable(t).execute();
}
