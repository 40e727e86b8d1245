import { sql } from 'kysely';
import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import type { DataSubjectRequestTable } from '../../db/schema-dsr.ts';

export interface DsrFilter {
  status?: string;
  /** Open requests whose due day is before this day. */
  overdueBefore?: string;
  /** Requests not overdue on this day (closed, or due on or after it). */
  notOverdueOn?: string;
  after?: string;
  limit: number;
}

export interface PiiColumnRow {
  dataset_id: string;
  dataset: string;
  owner_team: string;
  legal_region: string;
  column: string;
  description: string;
  pii_kind: string;
}

export interface UsingVersionRow {
  dataset_version_id: string;
  role: string;
  model_version_id: string;
  version: number;
  model: string;
  use_case_id: string;
  use_case: string;
  team: string;
}

const OPEN = ['received', 'in-progress'];
/** Where a dataset version's data legally resides: its own region, else its dataset's. */
const REGION = sql<string>`coalesce(v.legal_region, d.legal_region)`.as('legal_region');

/**
 * The dsr feature's table, and the reads of the inventory's datasets and versions it traces a
 * request through (it writes none of them).
 */
export const dsrRepo = {
  async insert(tx: Tx, row: DataSubjectRequestTable): Promise<void> {
    await tx.insertInto('data_subject_requests').values(row).execute();
  },

  async get(db: Executor, id: string): Promise<DataSubjectRequestTable | undefined> {
    return db.selectFrom('data_subject_requests').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The row, locked until the transaction ends (two closes race: the second sees the first). */
  async lock(tx: Tx, id: string): Promise<DataSubjectRequestTable | undefined> {
    await lockRows(tx, 'data_subject_requests', 'status').where('id', '=', id).execute();
    return tx.selectFrom('data_subject_requests').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async update(tx: Tx, id: string, set: Partial<DataSubjectRequestTable>): Promise<void> {
    await tx.updateTable('data_subject_requests').set(set).where('id', '=', id).execute();
  },

  /** Requests by filter, by id (ids are time-ordered), a page after `after`. */
  async list(db: Executor, f: DsrFilter): Promise<DataSubjectRequestTable[]> {
    let q = db.selectFrom('data_subject_requests').selectAll();
    if (f.status) q = q.where('status', '=', f.status);
    if (f.overdueBefore) q = q.where('status', 'in', OPEN).where('due_on', '<', f.overdueBefore);
    if (f.notOverdueOn) {
      const day = f.notOverdueOn;
      q = q.where((eb) => eb.or([eb('status', 'not in', OPEN), eb('due_on', '>=', day)]));
    }
    if (f.after) q = q.where('id', '>', f.after);
    return q.orderBy('id').limit(f.limit).execute();
  },

  /** Open requests past their due day whose overdue state has not been recorded yet. */
  async overdueUnnoted(db: Executor, today: string, limit: number): Promise<DataSubjectRequestTable[]> {
    return db
      .selectFrom('data_subject_requests')
      .selectAll()
      .where('status', 'in', OPEN)
      .where('due_on', '<', today)
      .where('overdue_noted_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  /** Marks a request's overdue state recorded; false when another replica did first. */
  async noteOverdue(tx: Tx, id: string, at: string): Promise<boolean> {
    const r = await tx
      .updateTable('data_subject_requests')
      .set({ overdue_noted_at: at })
      .where('id', '=', id)
      .where('overdue_noted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async counts(db: Executor, today: string): Promise<{ open: number; overdue: number }> {
    const row = await db
      .selectFrom('data_subject_requests')
      .select((eb) => [
        eb.fn.countAll<number>().as('open'),
        eb.fn.sum<number>(eb.case().when('due_on', '<', today).then(1).else(0).end()).as('overdue'),
      ])
      .where('status', 'in', OPEN)
      .executeTakeFirstOrThrow();
    return { open: Number(row.open), overdue: Number(row.overdue ?? 0) };
  },

  /** Every personal-data column of every dataset (the candidates a category is matched against). */
  async piiColumns(db: Executor): Promise<PiiColumnRow[]> {
    return db
      .selectFrom('dataset_columns as c')
      .innerJoin('datasets as d', 'd.id', 'c.dataset_id')
      .select([
        'd.id as dataset_id',
        'd.name as dataset',
        'd.owner_team',
        'd.legal_region',
        'c.name as column',
        'c.description',
        'c.pii_kind',
      ])
      .where('c.pii_kind', '!=', 'none')
      .orderBy('d.name')
      .orderBy('c.position')
      .execute();
  },

  async datasetVersionsOf(
    db: Executor,
    datasetIds: string[],
  ): Promise<
    { id: string; dataset_id: string; dataset: string; owner_team: string; version: number; legal_region: string }[]
  > {
    if (datasetIds.length === 0) return [];
    return db
      .selectFrom('dataset_versions as v')
      .innerJoin('datasets as d', 'd.id', 'v.dataset_id')
      .select(['v.id', 'v.dataset_id', 'd.name as dataset', 'd.owner_team', 'v.version'])
      .select(REGION)
      .where('v.dataset_id', 'in', datasetIds)
      .orderBy('d.name')
      .orderBy('v.version')
      .execute();
  },

  /** Dataset versions derived from any of these (one step of the lineage). */
  async derivedFrom(db: Executor, versionIds: string[]): Promise<{ id: string; source: string }[]> {
    if (versionIds.length === 0) return [];
    return db
      .selectFrom('dataset_lineage')
      .select(['dataset_version_id as id', 'source_dataset_version_id as source'])
      .where('source_dataset_version_id', 'in', versionIds)
      .execute();
  },

  async datasetVersionsById(
    db: Executor,
    ids: string[],
  ): Promise<
    { id: string; dataset_id: string; dataset: string; owner_team: string; version: number; legal_region: string }[]
  > {
    if (ids.length === 0) return [];
    return db
      .selectFrom('dataset_versions as v')
      .innerJoin('datasets as d', 'd.id', 'v.dataset_id')
      .select(['v.id', 'v.dataset_id', 'd.name as dataset', 'd.owner_team', 'v.version'])
      .select(REGION)
      .where('v.id', 'in', ids)
      .execute();
  },

  /** Model versions (not deleted) that name any of these dataset versions, with their use case. */
  async versionsUsing(db: Executor, datasetVersionIds: string[]): Promise<UsingVersionRow[]> {
    if (datasetVersionIds.length === 0) return [];
    return db
      .selectFrom('version_datasets as vd')
      .innerJoin('model_versions as mv', 'mv.id', 'vd.model_version_id')
      .innerJoin('models as m', 'm.id', 'mv.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .select([
        'vd.dataset_version_id',
        'vd.role',
        'mv.id as model_version_id',
        'mv.version',
        'm.name as model',
        'u.id as use_case_id',
        'u.name as use_case',
        'u.owner_team as team',
      ])
      .where('vd.dataset_version_id', 'in', datasetVersionIds)
      .where('mv.deleted_at', 'is', null)
      .where('m.deleted_at', 'is', null)
      .orderBy('m.name')
      .orderBy('mv.version')
      .execute();
  },
};

export type DsrRepo = typeof dsrRepo;
