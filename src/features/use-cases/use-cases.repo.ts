import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import { listRead } from '../../db/prepared.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { UseCaseTable } from '../../db/schema.ts';
import { conflict } from '../../errors.ts';
import { isUuid, parseJson } from '../common/common.schema.ts';
import type { UseCase } from './use-cases.schema.ts';

export interface UseCaseRecord extends UseCase {
  revision: number;
}

const toRecord = (r: UseCaseTable): UseCaseRecord => ({
  id: r.id,
  name: r.name,
  objective: r.objective,
  kpis: parseJson(r.kpis),
  ownerTeam: r.owner_team,
  consumers: r.consumers as UseCase['consumers'],
  regions: parseJson(r.regions),
  sector: r.sector,
  processesPersonalData: r.processes_personal_data === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  createdBy: r.created_by,
  revision: r.revision,
});

const toRow = (u: UseCaseRecord): UseCaseTable => ({
  id: u.id,
  name: u.name,
  objective: u.objective,
  kpis: JSON.stringify(u.kpis),
  owner_team: u.ownerTeam,
  consumers: u.consumers,
  regions: JSON.stringify(u.regions),
  sector: u.sector,
  processes_personal_data: u.processesPersonalData ? 1 : 0,
  created_at: u.createdAt,
  updated_at: u.updatedAt,
  created_by: u.createdBy,
  revision: u.revision,
});

const duplicate = (name: string) => () => conflict(`a use case named '${name}' already exists`);

/** A live version with its model and use case, and whether it is its model's latest. */
export interface LiveVersionRow {
  id: string;
  modelId: string;
  useCaseId: string;
  useCase: string;
  /** The use case's owning team: what governs the version, with the use case. */
  team: string;
  model: string;
  version: number;
  createdBy: string | null;
  latest: boolean;
}

/** Where `versionsOf` reads: live versions of live models with their use cases. */
export interface VersionsWhere {
  useCaseIds?: string[];
  modelIds?: string[];
  createdBy?: string;
  latestOr?: string[];
}

/** The live versions `where` selects (see `versionsOf`), by use case and model name, newest first. */
function liveVersions(db: Executor, where: VersionsWhere) {
  let q = db
    .selectFrom('model_versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
    .select([
      'v.id',
      'm.id as model_id',
      'u.id as use_case_id',
      'u.name as use_case',
      'u.owner_team',
      'm.name',
      'v.version',
      'v.created_by',
    ])
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
  if (where.useCaseIds) q = q.where('u.id', 'in', where.useCaseIds);
  if (where.modelIds) q = q.where('m.id', 'in', where.modelIds);
  // Each model's newest live version, and the versions named: not every version of the models.
  if (where.latestOr) {
    const named = where.latestOr;
    q = q.where((eb) =>
      eb.or([
        eb(
          'v.version',
          '=',
          // Walked down the (model, version) index to the first live one, not a max over all.
          eb
            .selectFrom('model_versions as nv')
            .select('nv.version')
            .whereRef('nv.model_id', '=', 'm.id')
            .where('nv.deleted_at', 'is', null)
            .orderBy('nv.version', 'desc')
            .limit(1),
        ),
        ...(named.length > 0 ? [eb('v.id', 'in', named)] : []),
      ]),
    );
  }
  if (where.createdBy) {
    const by = where.createdBy;
    q = q.where((eb) => eb.or([eb('v.created_by', '=', by), eb('m.created_by', '=', by)]));
  }
  return q.orderBy('u.name').orderBy('m.name').orderBy('v.version', 'desc');
}

// Each model's latest live version, for a page of models: one row a model, so the order of a list
// read in parts (over 500 models) is the order within each part.
const latestOfModels = listRead((db, modelIds) => liveVersions(db, { modelIds, latestOr: [] }));

export const useCaseRepo = {
  async get(db: Executor, id: string): Promise<UseCaseRecord | undefined> {
    const row = await db.selectFrom('use_cases').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  },

  /** A use case by id or, failing that, by name (names are unique). */
  async resolve(db: Executor, ref: string): Promise<UseCaseRecord | undefined> {
    const byId = isUuid(ref) ? await useCaseRepo.get(db, ref) : undefined;
    if (byId) return byId;
    const row = await db.selectFrom('use_cases').selectAll().where('name', '=', ref).executeTakeFirst();
    return row && toRecord(row);
  },

  async insert(tx: Tx, u: UseCaseRecord): Promise<void> {
    await translateConstraints(() => tx.insertInto('use_cases').values(toRow(u)).execute(), {
      unique: duplicate(u.name),
    });
  },

  async teamOf(db: Executor, id: string): Promise<string | undefined> {
    const row = await db.selectFrom('use_cases').select('owner_team').where('id', '=', id).executeTakeFirst();
    return row?.owner_team;
  },

  /** Every use case with its live model versions as `model@version`, for policy simulation. */
  async withVersions(db: Executor): Promise<{ id: string; name: string; versions: string[] }[]> {
    const [useCases, versions] = await Promise.all([
      db.selectFrom('use_cases').select(['id', 'name']).orderBy('name').execute(),
      db
        .selectFrom('model_versions as v')
        .innerJoin('models as m', 'm.id', 'v.model_id')
        .select(['m.use_case_id', 'm.name', 'v.version'])
        .where('v.deleted_at', 'is', null)
        .orderBy('m.name')
        .orderBy('v.version')
        .execute(),
    ]);
    return useCases.map((u) => ({
      ...u,
      versions: versions.filter((v) => v.use_case_id === u.id).map((v) => `${v.name}@${v.version}`),
    }));
  },

  /**
   * Live versions of the use cases' models (or of the models `modelIds`, or of the models
   * `createdBy` made, or versions they made), newest first per model, with whether each is its
   * model's latest. With `latestOr`, only each model's latest live version and the versions named.
   */
  async versionsOf(db: Executor, where: VersionsWhere): Promise<LiveVersionRow[]> {
    if (where.useCaseIds?.length === 0 || where.modelIds?.length === 0) return [];
    const { useCaseIds, modelIds, createdBy, latestOr } = where;
    // The inventory's statuses ask for the latest versions of a page of models alone (nothing
    // deployed or suspended among them, most often): a statement prepared once.
    const rows =
      modelIds && latestOr?.length === 0 && !useCaseIds && !createdBy
        ? await latestOfModels(db, modelIds)
        : await liveVersions(db, where).execute();
    const newest = new Map<string, number>();
    for (const r of rows) if (!newest.has(r.name)) newest.set(r.name, r.version);
    return rows.map((r) => ({
      id: r.id,
      modelId: r.model_id,
      useCaseId: r.use_case_id,
      useCase: r.use_case,
      team: r.owner_team,
      model: r.name,
      version: r.version,
      createdBy: r.created_by,
      latest: newest.get(r.name) === r.version,
    }));
  },

  /** Use cases a person created or whose owning team they hold a role in (not organisation-wide ones). */
  async ownedBy(db: Executor, userId: string, teams: string[]): Promise<{ id: string; name: string; team: string }[]> {
    const rows = await db
      .selectFrom('use_cases')
      .select(['id', 'name', 'owner_team'])
      .where((eb) =>
        teams.length > 0
          ? eb.or([eb('created_by', '=', userId), eb('owner_team', 'in', teams)])
          : eb('created_by', '=', userId),
      )
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, team: r.owner_team }));
  },

  /** Takes the row lock before a read-modify-write (see modelRepo.lock). */
  async lock(tx: Tx, id: string): Promise<void> {
    await lockRows(tx, 'use_cases', 'revision').where('id', '=', id).execute();
  },

  /** Writes `u` only if the stored revision is still `expectedRevision`; false when it moved on. */
  async update(tx: Tx, u: UseCaseRecord, expectedRevision: number): Promise<boolean> {
    const { id, created_at, created_by, ...changes } = toRow(u);
    const res = await translateConstraints(
      () =>
        tx
          .updateTable('use_cases')
          .set(changes)
          .where('id', '=', id)
          .where('revision', '=', expectedRevision)
          .executeTakeFirst(),
      { unique: duplicate(u.name) },
    );
    return Number(res.numUpdatedRows) === 1;
  },

  async list(
    db: Executor,
    opts: { after?: [string, string]; limit: number; ownerTeam?: string },
  ): Promise<UseCaseRecord[]> {
    let q = db.selectFrom('use_cases').selectAll().orderBy('created_at').orderBy('id').limit(opts.limit);
    if (opts.ownerTeam) q = q.where('owner_team', '=', opts.ownerTeam);
    if (opts.after) {
      const [at, id] = opts.after;
      q = q.where((eb) => eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('id', '>', id)])]));
    }
    return (await q.execute()).map(toRecord);
  },
};

export type UseCaseRepo = typeof useCaseRepo;
