import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { DialectName, Executor } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import type { Clause } from '../../domain/mlflow/filter.ts';

/** A model version as the MLflow protocol shows it (Steward's record, flattened). */
export interface MlflowVersionRow {
  id: string;
  model_id: string;
  name: string;
  version: number;
  artifact_uri: string;
  description: string;
  stage: string;
  status: string;
  status_message: string | null;
  run_id: string | null;
  run_link: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
}

export interface MlflowModelRow {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  created_by: string | null;
}

type VersionQuery = SelectQueryBuilder<Database, 'model_versions' | 'models', MlflowVersionRow>;
type ModelQuery = SelectQueryBuilder<Database, 'models', MlflowModelRow>;

const VERSION_COLUMNS = ['v.id', 'v.model_id', 'm.name', 'v.version', 'v.artifact_uri', 'v.description', 'v.stage', 'v.status', 'v.status_message', 'v.run_id', 'v.run_link', 'v.created_at', 'v.updated_at', 'v.created_by'] as const;

/**
 * A string comparison with MLflow's semantics on either database: LIKE is case-sensitive (SQLite's
 * is not, so it becomes GLOB there), ILIKE is not.
 */
function compare(dialect: DialectName, column: string, op: string, value: string) {
  const col = sql.ref(column);
  if (op === '=') return sql<boolean>`${col} = ${value}`;
  if (op === '!=') return sql<boolean>`${col} <> ${value}`;
  if (op === 'ILIKE') return dialect === 'postgres' ? sql<boolean>`${col} ilike ${value}` : sql<boolean>`lower(${col}) like lower(${value})`;
  if (dialect === 'postgres') return sql<boolean>`${col} like ${value}`;
  // GLOB wildcards * ? [ are literal in LIKE patterns: bracket them, then map % and _.
  const glob = value.replace(/[*?[]/g, (c) => `[${c}]`).replace(/%/g, '*').replace(/_/g, '?');
  return sql<boolean>`${col} glob ${glob}`;
}

export const mlflowRepo = {
  async models(db: Executor, ids: string[]): Promise<MlflowModelRow[]> {
    if (ids.length === 0) return [];
    return db.selectFrom('models').select(['id', 'name', 'description', 'created_at', 'updated_at', 'created_by']).where('id', 'in', ids).execute();
  },

  async modelByName(db: Executor, name: string): Promise<MlflowModelRow | undefined> {
    return db.selectFrom('models').select(['id', 'name', 'description', 'created_at', 'updated_at', 'created_by']).where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
  },

  async version(db: Executor, name: string, version: number): Promise<MlflowVersionRow | undefined> {
    return db.selectFrom('model_versions as v').innerJoin('models as m', 'm.id', 'v.model_id').select(VERSION_COLUMNS).where('m.name', '=', name).where('v.version', '=', version).where('v.deleted_at', 'is', null).executeTakeFirst();
  },

  /** The highest version of each stage of each model. */
  async latestPerStage(db: Executor, modelIds: string[], stages?: string[]): Promise<MlflowVersionRow[]> {
    if (modelIds.length === 0) return [];
    let top = db.selectFrom('model_versions').select(['model_id', 'stage', (eb) => eb.fn.max('version').as('version')]).where('model_id', 'in', modelIds).where('deleted_at', 'is', null).groupBy(['model_id', 'stage']);
    if (stages) top = top.where('stage', 'in', stages);
    const pairs = await top.execute();
    if (pairs.length === 0) return [];
    return db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(VERSION_COLUMNS)
      .where((eb) => eb.or(pairs.map((p) => eb.and([eb('v.model_id', '=', p.model_id), eb('v.version', '=', Number(p.version))]))))
      .orderBy('v.version', 'desc')
      .execute();
  },

  async modelTags(db: Executor, ids: string[]): Promise<{ model_id: string; key: string; value: string }[]> {
    return ids.length === 0 ? [] : db.selectFrom('model_tags').select(['model_id', 'key', 'value']).where('model_id', 'in', ids).orderBy('key').execute();
  },

  async versionTags(db: Executor, ids: string[]): Promise<{ model_version_id: string; key: string; value: string }[]> {
    return ids.length === 0 ? [] : db.selectFrom('version_tags').select(['model_version_id', 'key', 'value']).where('model_version_id', 'in', ids).orderBy('key').execute();
  },

  async aliases(db: Executor, modelIds: string[]): Promise<{ model_id: string; alias: string; version: number }[]> {
    return modelIds.length === 0 ? [] : db.selectFrom('model_aliases').select(['model_id', 'alias', 'version']).where('model_id', 'in', modelIds).orderBy('alias').execute();
  },

  async usernames(db: Executor, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.username]));
  },

  /** registered-models/search: filter, order and a page (offset-based). */
  async searchModels(db: Executor, dialect: DialectName, clauses: Clause[], orderBy: { column: 'name' | 'updated_at'; desc: boolean }[], offset: number, limit: number): Promise<MlflowModelRow[]> {
    let q: ModelQuery = db.selectFrom('models').select(['id', 'name', 'description', 'created_at', 'updated_at', 'created_by']).where('deleted_at', 'is', null);
    for (const c of clauses) {
      if (c.key.type === 'attribute') q = q.where(compare(dialect, 'models.name', c.comparator, c.value as string));
      else {
        const key = c.key.name;
        q = q.where((eb: ExpressionBuilder<Database, 'models'>) => eb.exists(eb.selectFrom('model_tags as t').select('t.key').whereRef('t.model_id', '=', 'models.id').where('t.key', '=', key).where(compare(dialect, 't.value', c.comparator, c.value as string))));
      }
    }
    for (const o of orderBy) q = q.orderBy(o.column, o.desc ? 'desc' : 'asc');
    return q.orderBy('name', 'asc').offset(offset).limit(limit).execute();
  },

  /** model-versions/search: filter, order and a page (offset-based); soft-deleted versions excluded. */
  async searchVersions(db: Executor, dialect: DialectName, clauses: Clause[], orderBy: { column: 'm.name' | 'v.version' | 'v.created_at' | 'v.updated_at'; desc: boolean }[], offset: number, limit: number): Promise<MlflowVersionRow[]> {
    let q: VersionQuery = db.selectFrom('model_versions as v').innerJoin('models as m', 'm.id', 'v.model_id').select(VERSION_COLUMNS).where('v.deleted_at', 'is', null).where('m.deleted_at', 'is', null) as unknown as VersionQuery;
    const column: Record<string, string> = { name: 'm.name', source_path: 'v.artifact_uri', run_id: 'v.run_id', version_number: 'v.version' };
    for (const c of clauses) {
      if (c.key.type === 'tag') {
        const key = c.key.name;
        q = q.where((eb) => eb.exists(eb.selectFrom('version_tags as t').select('t.key').where('t.model_version_id', '=', sql.ref<string>('v.id')).where('t.key', '=', key).where(compare(dialect, 't.value', c.comparator, c.value as string))));
      } else if (c.comparator === 'IN') q = q.where(sql.ref(column[c.key.name]!), 'in', c.value as string[]);
      else if (c.key.name === 'version_number') q = q.where(sql.ref('v.version'), c.comparator as '=', c.value as number);
      else q = q.where(compare(dialect, column[c.key.name]!, c.comparator, c.value as string));
    }
    for (const o of orderBy) q = q.orderBy(sql.ref(o.column), o.desc ? 'desc' : 'asc');
    return q.orderBy(sql.ref('m.name'), 'asc').orderBy(sql.ref('v.version'), 'desc').offset(offset).limit(limit).execute();
  },
};

export type MlflowRepo = typeof mlflowRepo;
