import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { DialectName, Executor } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { chunks } from '../../db/chunks.ts';
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

const VERSION_COLUMNS = [
  'v.id',
  'v.model_id',
  'm.name',
  'v.version',
  'v.artifact_uri',
  'v.description',
  'v.stage',
  'v.status',
  'v.status_message',
  'v.run_id',
  'v.run_link',
  'v.created_at',
  'v.updated_at',
  'v.created_by',
] as const;

/**
 * A string comparison with MLflow's semantics on either database: LIKE is case-sensitive (SQLite's
 * is not, so it becomes GLOB there), ILIKE is not.
 */
function compare(dialect: DialectName, column: string, op: string, value: string) {
  const col = sql.ref(column);
  if (op === '=') return sql<boolean>`${col} = ${value}`;
  if (op === '!=') return sql<boolean>`${col} <> ${value}`;
  // ESCAPE '' on PostgreSQL: a backslash is an ordinary character there too, as in SQLite and MLflow's patterns.
  if (op === 'ILIKE')
    return dialect === 'postgres'
      ? sql<boolean>`${col} ilike ${value} escape ''`
      : sql<boolean>`lower(${col}) like lower(${value})`;
  if (dialect === 'postgres') return sql<boolean>`${col} like ${value} escape ''`;
  // GLOB wildcards * ? [ are literal in LIKE patterns: bracket them, then map % and _.
  const glob = value
    .replace(/[*?[]/g, (c) => `[${c}]`)
    .replace(/%/g, '*')
    .replace(/_/g, '?');
  return sql<boolean>`${col} glob ${glob}`;
}

/** Ids a statement: well below the databases' bound-parameter limits. */
const IDS_PER_QUERY = 10_000;

export const mlflowRepo = {
  async models(db: Executor, ids: string[]): Promise<MlflowModelRow[]> {
    if (ids.length === 0) return [];
    return db
      .selectFrom('models')
      .select(['id', 'name', 'description', 'created_at', 'updated_at', 'created_by'])
      .where('id', 'in', ids)
      .execute();
  },

  async modelByName(db: Executor, name: string): Promise<MlflowModelRow | undefined> {
    return db
      .selectFrom('models')
      .select(['id', 'name', 'description', 'created_at', 'updated_at', 'created_by'])
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  async version(db: Executor, name: string, version: number): Promise<MlflowVersionRow | undefined> {
    return db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(VERSION_COLUMNS)
      .where('m.name', '=', name)
      .where('v.version', '=', version)
      .where('v.deleted_at', 'is', null)
      .executeTakeFirst();
  },

  /** The highest version of each stage of each model, in one query. */
  async latestPerStage(db: Executor, modelIds: string[], stages?: string[]): Promise<MlflowVersionRow[]> {
    if (modelIds.length === 0) return [];
    const out: MlflowVersionRow[] = [];
    for (const ids of chunks(modelIds, IDS_PER_QUERY)) {
      let top = db
        .selectFrom('model_versions')
        .select(['model_id', 'stage', (eb) => eb.fn.max('version').as('top')])
        .where('model_id', 'in', ids)
        .where('deleted_at', 'is', null)
        .groupBy(['model_id', 'stage']);
      if (stages) top = top.where('stage', 'in', stages);
      out.push(
        ...(await db
          .selectFrom('model_versions as v')
          .innerJoin('models as m', 'm.id', 'v.model_id')
          .innerJoin(top.as('t'), (j) => j.onRef('t.model_id', '=', 'v.model_id').onRef('t.top', '=', 'v.version'))
          .select(VERSION_COLUMNS)
          .orderBy('v.version', 'desc')
          .execute()),
      );
    }
    return out;
  },

  /** Production/preproduction deployments active now, per version (what MLflow's current_stage reflects). */
  async activeEnvironments(
    db: Executor,
    versionIds: string[],
  ): Promise<{ model_version_id: string; environment: string }[]> {
    const out: { model_version_id: string; environment: string }[] = [];
    for (const ids of chunks(versionIds, IDS_PER_QUERY))
      out.push(
        ...(await db
          .selectFrom('deployments')
          .select(['model_version_id', 'environment'])
          .where('model_version_id', 'in', ids)
          .where('active_key', 'is not', null)
          .where('environment', 'in', ['production', 'preproduction'])
          .execute()),
      );
    return out;
  },

  async pendingVersions(db: Executor): Promise<string[]> {
    return (
      await db
        .selectFrom('model_versions')
        .select('id')
        .where('status', '=', 'pending')
        .where('deleted_at', 'is', null)
        .execute()
    ).map((r) => r.id);
  },

  async useCaseByName(db: Executor, name: string): Promise<string | undefined> {
    return (await db.selectFrom('use_cases').select('id').where('name', '=', name).executeTakeFirst())?.id;
  },

  async modelTags(db: Executor, ids: string[]): Promise<{ model_id: string; key: string; value: string }[]> {
    const out: { model_id: string; key: string; value: string }[] = [];
    for (const c of chunks(ids, IDS_PER_QUERY))
      out.push(
        ...(await db
          .selectFrom('model_tags')
          .select(['model_id', 'key', 'value'])
          .where('model_id', 'in', c)
          .orderBy('key')
          .execute()),
      );
    return out;
  },

  async versionTags(db: Executor, ids: string[]): Promise<{ model_version_id: string; key: string; value: string }[]> {
    const out: { model_version_id: string; key: string; value: string }[] = [];
    for (const c of chunks(ids, IDS_PER_QUERY))
      out.push(
        ...(await db
          .selectFrom('version_tags')
          .select(['model_version_id', 'key', 'value'])
          .where('model_version_id', 'in', c)
          .orderBy('key')
          .execute()),
      );
    return out;
  },

  async aliases(db: Executor, modelIds: string[]): Promise<{ model_id: string; alias: string; version: number }[]> {
    const out: { model_id: string; alias: string; version: number }[] = [];
    for (const c of chunks(modelIds, IDS_PER_QUERY))
      out.push(
        ...(await db
          .selectFrom('model_aliases')
          .select(['model_id', 'alias', 'version'])
          .where('model_id', 'in', c)
          .orderBy('alias')
          .execute()),
      );
    return out;
  },

  async usernames(db: Executor, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const c of chunks(ids, IDS_PER_QUERY))
      for (const r of await db.selectFrom('users').select(['id', 'username']).where('id', 'in', c).execute())
        out.set(r.id, r.username);
    return out;
  },

  /** registered-models/search: filter, order and a page (offset-based). */
  async searchModels(
    db: Executor,
    dialect: DialectName,
    clauses: Clause[],
    orderBy: { column: 'name' | 'updated_at'; desc: boolean }[],
    offset: number,
    limit: number,
  ): Promise<MlflowModelRow[]> {
    let q: ModelQuery = db
      .selectFrom('models')
      .select(['id', 'name', 'description', 'created_at', 'updated_at', 'created_by'])
      .where('deleted_at', 'is', null);
    for (const c of clauses) {
      if (c.key.type === 'attribute') q = q.where(compare(dialect, 'models.name', c.comparator, c.value as string));
      else {
        const key = c.key.name;
        q = q.where((eb: ExpressionBuilder<Database, 'models'>) =>
          eb.exists(
            eb
              .selectFrom('model_tags as t')
              .select('t.key')
              .whereRef('t.model_id', '=', 'models.id')
              .where('t.key', '=', key)
              .where(compare(dialect, 't.value', c.comparator, c.value as string)),
          ),
        );
      }
    }
    // Names sort by code point on both databases (PostgreSQL's default collation would not).
    const byName = dialect === 'postgres' ? sql`name collate "C"` : sql`name`;
    for (const o of orderBy) q = q.orderBy(o.column === 'name' ? byName : sql.ref(o.column), o.desc ? 'desc' : 'asc');
    return q.orderBy(byName, 'asc').offset(offset).limit(limit).execute();
  },

  /** model-versions/search: filter, order and a page (offset-based); soft-deleted versions excluded. */
  async searchVersions(
    db: Executor,
    dialect: DialectName,
    clauses: Clause[],
    orderBy: { column: 'm.name' | 'v.version' | 'v.created_at' | 'v.updated_at'; desc: boolean }[],
    offset: number,
    limit: number,
  ): Promise<MlflowVersionRow[]> {
    let q: VersionQuery = db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(VERSION_COLUMNS)
      .where('v.deleted_at', 'is', null)
      .where('m.deleted_at', 'is', null) as unknown as VersionQuery;
    const column: Record<string, string> = {
      name: 'm.name',
      source_path: 'v.artifact_uri',
      run_id: 'v.run_id',
      version_number: 'v.version',
    };
    for (const c of clauses) {
      if (c.key.type === 'tag') {
        const key = c.key.name;
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('version_tags as t')
              .select('t.key')
              .where('t.model_version_id', '=', sql.ref<string>('v.id'))
              .where('t.key', '=', key)
              .where(compare(dialect, 't.value', c.comparator, c.value as string)),
          ),
        );
      } else if (c.comparator === 'IN') q = q.where(sql.ref(column[c.key.name]!), 'in', c.value as string[]);
      else if (c.key.name === 'version_number')
        q = q.where(sql.ref('v.version'), c.comparator as '=', c.value as number);
      else q = q.where(compare(dialect, column[c.key.name]!, c.comparator, c.value as string));
    }
    const byName = dialect === 'postgres' ? sql`m.name collate "C"` : sql`m.name`;
    for (const o of orderBy) q = q.orderBy(o.column === 'm.name' ? byName : sql.ref(o.column), o.desc ? 'desc' : 'asc');
    return q.orderBy(byName, 'asc').orderBy(sql.ref('v.version'), 'desc').offset(offset).limit(limit).execute();
  },
};

export type MlflowRepo = typeof mlflowRepo;
