import type { Kysely } from 'kysely';

/** The inventory: use cases, models, versions, aliases, datasets and their lineage. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('use_cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('objective', 'text', (c) => c.notNull())
    .addColumn('kpis', 'text', (c) => c.notNull())
    .addColumn('owner_team', 'text', (c) => c.notNull())
    .addColumn('consumers', 'text', (c) => c.notNull())
    .addColumn('regions', 'text', (c) => c.notNull())
    .addColumn('sector', 'text', (c) => c.notNull())
    .addColumn('processes_personal_data', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('last_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('models_use_case_idx').on('models').column('use_case_id').execute();

  await db.schema
    .createTable('model_tags')
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_tags_pk', ['model_id', 'key'])
    .execute();
  await db.schema.createIndex('model_tags_key_idx').on('model_tags').columns(['key', 'value']).execute();

  await db.schema
    .createTable('model_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    .addColumn('artifact_digest', 'text')
    .addColumn('framework', 'text')
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('code_repository', 'text')
    .addColumn('code_commit', 'text')
    .addColumn('code_path', 'text')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('documentation', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('run_id', 'text')
    .addColumn('run_link', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('deleted_at', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addUniqueConstraint('model_versions_number_uq', ['model_id', 'version'])
    .execute();
  await db.schema.createIndex('model_versions_digest_idx').on('model_versions').column('artifact_digest').execute();

  await db.schema
    .createTable('version_tags')
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('version_tags_pk', ['model_version_id', 'key'])
    .execute();

  await db.schema
    .createTable('model_aliases')
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id').onDelete('cascade'))
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_aliases_pk', ['model_id', 'alias'])
    .execute();

  await db.schema
    .createTable('datasets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('owner_team', 'text', (c) => c.notNull())
    .addColumn('provenance', 'text', (c) => c.notNull())
    .addColumn('legal_region', 'text', (c) => c.notNull())
    .addColumn('last_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dataset_columns')
    .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('pii_kind', 'text', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_columns_pk', ['dataset_id', 'name'])
    .execute();
  await db.schema.createIndex('dataset_columns_pii_idx').on('dataset_columns').column('pii_kind').execute();

  await db.schema
    .createTable('dataset_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('row_count', 'bigint', (c) => c.notNull())
    .addColumn('uri', 'text')
    .addColumn('schema', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addUniqueConstraint('dataset_versions_number_uq', ['dataset_id', 'version'])
    .execute();

  await db.schema
    .createTable('dataset_lineage')
    .addColumn('dataset_version_id', 'text', (c) => c.notNull().references('dataset_versions.id').onDelete('cascade'))
    .addColumn('source_dataset_version_id', 'text', (c) => c.notNull().references('dataset_versions.id'))
    .addColumn('columns', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_lineage_pk', ['dataset_version_id', 'source_dataset_version_id'])
    .execute();
  await db.schema
    .createIndex('dataset_lineage_source_idx')
    .on('dataset_lineage')
    .column('source_dataset_version_id')
    .execute();

  await db.schema
    .createTable('version_datasets')
    .addColumn('model_version_id', 'text', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
    .addColumn('dataset_version_id', 'text', (c) => c.notNull().references('dataset_versions.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('version_datasets_pk', ['model_version_id', 'dataset_version_id', 'role'])
    .execute();
  await db.schema
    .createIndex('version_datasets_dataset_idx')
    .on('version_datasets')
    .column('dataset_version_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'version_datasets',
    'dataset_lineage',
    'dataset_versions',
    'dataset_columns',
    'datasets',
    'model_aliases',
    'version_tags',
    'model_versions',
    'model_tags',
    'models',
    'use_cases',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
