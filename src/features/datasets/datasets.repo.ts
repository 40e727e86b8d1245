import { sql, type ExpressionBuilder } from 'kysely';
import type { Executor, Tx } from '../../db/database.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { Database, DatasetTable, DatasetVersionTable } from '../../db/schema.ts';
import { conflict } from '../../errors.ts';
import { parseJson } from '../common/common.schema.ts';
import type { ColumnOut, Dataset, DatasetUsage, DatasetVersion } from './datasets.schema.ts';

export interface DatasetRecord extends Dataset {
  revision: number;
}

export interface DatasetVersionRef {
  id: string;
  datasetId: string;
  dataset: string;
  version: number;
  digest: string;
  uri: string | null;
  /** The dataset's owner: references into team-scoped roots are read only for it. */
  ownerTeam: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findDatasetRow(db: Executor, ref: string): Promise<DatasetTable | undefined> {
  const q = db.selectFrom('datasets').selectAll();
  return (UUID_RE.test(ref) ? q.where('id', '=', ref) : q.where('name', '=', ref)).executeTakeFirst();
}

async function hydrate(db: Executor, rows: DatasetTable[]): Promise<DatasetRecord[]> {
  if (rows.length === 0) return [];
  const cols = await db
    .selectFrom('dataset_columns')
    .selectAll()
    .where(
      'dataset_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('position')
    .execute();
  return rows.map((r) => {
    const columns: ColumnOut[] = cols
      .filter((c) => c.dataset_id === r.id)
      .map((c) => ({
        name: c.name,
        type: c.type,
        description: c.description,
        piiKind: c.pii_kind as ColumnOut['piiKind'],
        protected: c.protected === 1,
      }));
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      ownerTeam: r.owner_team,
      provenance: parseJson(r.provenance),
      legalRegion: r.legal_region,
      columns,
      containsPersonalData: columns.some((c) => c.piiKind !== 'none'),
      latestVersion: r.last_version === 0 ? null : r.last_version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      createdBy: r.created_by,
      revision: r.revision,
    };
  });
}

async function versionsWithLineage(
  db: Executor,
  rows: (DatasetVersionTable & { dataset_name: string; dataset_region: string })[],
): Promise<DatasetVersion[]> {
  if (rows.length === 0) return [];
  const lineage = await db
    .selectFrom('dataset_lineage as l')
    .innerJoin('dataset_versions as sv', 'sv.id', 'l.source_dataset_version_id')
    .innerJoin('datasets as sd', 'sd.id', 'sv.dataset_id')
    .select(['l.dataset_version_id', 'l.columns', 'sv.dataset_id', 'sd.name', 'sv.version'])
    .where(
      'l.dataset_version_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('sd.name')
    .orderBy('sv.version')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    datasetId: r.dataset_id,
    dataset: r.dataset_name,
    version: r.version,
    digest: r.digest,
    rowCount: r.row_count,
    uri: r.uri,
    schema: parseJson(r.schema),
    description: r.description,
    derivedFrom: lineage
      .filter((l) => l.dataset_version_id === r.id)
      .map((l) => ({ datasetId: l.dataset_id, dataset: l.name, version: l.version, columns: parseJson(l.columns) })),
    legalRegion: r.legal_region ?? r.dataset_region,
    createdAt: r.created_at,
    createdBy: r.created_by,
  }));
}

const versionQuery = (db: Executor) =>
  db
    .selectFrom('dataset_versions as v')
    .innerJoin('datasets as d', 'd.id', 'v.dataset_id')
    .selectAll('v')
    .select(['d.name as dataset_name', 'd.legal_region as dataset_region']);

export const datasetRepo = {
  async get(db: Executor, ref: string): Promise<DatasetRecord | undefined> {
    const row = await findDatasetRow(db, ref);
    return row ? (await hydrate(db, [row]))[0] : undefined;
  },

  async insert(tx: Tx, d: DatasetRecord): Promise<void> {
    await translateConstraints(
      () =>
        tx
          .insertInto('datasets')
          .values({
            id: d.id,
            name: d.name,
            description: d.description,
            owner_team: d.ownerTeam,
            provenance: JSON.stringify(d.provenance),
            legal_region: d.legalRegion,
            last_version: 0,
            created_at: d.createdAt,
            updated_at: d.updatedAt,
            created_by: d.createdBy,
            revision: d.revision,
          })
          .execute(),
      { unique: () => conflict(`a dataset named '${d.name}' already exists`) },
    );
    if (d.columns.length > 0) {
      await translateConstraints(
        () =>
          tx
            .insertInto('dataset_columns')
            .values(
              d.columns.map((c, position) => ({
                dataset_id: d.id,
                position,
                name: c.name,
                type: c.type,
                description: c.description,
                pii_kind: c.piiKind,
                protected: c.protected ? 1 : 0,
              })),
            )
            .execute(),
        { unique: () => conflict(`dataset '${d.name}' lists a column twice`) },
      );
    }
  },

  async list(
    db: Executor,
    opts: { afterName?: string; limit: number; ownerTeam?: string; personalData?: boolean },
  ): Promise<DatasetRecord[]> {
    let q = db.selectFrom('datasets').selectAll().orderBy('name').limit(opts.limit);
    if (opts.afterName !== undefined) q = q.where('name', '>', opts.afterName);
    if (opts.ownerTeam) q = q.where('owner_team', '=', opts.ownerTeam);
    if (opts.personalData !== undefined) {
      const holdsPii = (eb: ExpressionBuilder<Database, 'datasets'>) =>
        eb.exists(
          eb
            .selectFrom('dataset_columns as c')
            .select('c.name')
            .whereRef('c.dataset_id', '=', 'datasets.id')
            .where('c.pii_kind', '!=', 'none'),
        );
      q = q.where((eb) => (opts.personalData ? holdsPii(eb) : eb.not(holdsPii(eb))));
    }
    return hydrate(db, await q.execute());
  },

  async nextVersionNumber(tx: Tx, datasetId: string, now: string): Promise<number> {
    const row = await tx
      .updateTable('datasets')
      .set({ last_version: sql<number>`last_version + 1`, updated_at: now })
      .where('id', '=', datasetId)
      .returning('last_version')
      .executeTakeFirstOrThrow();
    return row.last_version;
  },

  async insertVersion(
    tx: Tx,
    v: DatasetVersion & { ownRegion?: string },
    lineage: { sourceId: string; columns: unknown }[],
  ): Promise<void> {
    await tx
      .insertInto('dataset_versions')
      .values({
        id: v.id,
        dataset_id: v.datasetId,
        version: v.version,
        digest: v.digest,
        row_count: v.rowCount,
        uri: v.uri,
        schema: JSON.stringify(v.schema),
        description: v.description,
        created_at: v.createdAt,
        created_by: v.createdBy,
        legal_region: v.ownRegion ?? null,
      })
      .execute();
    if (lineage.length > 0) {
      await translateConstraints(
        () =>
          tx
            .insertInto('dataset_lineage')
            .values(
              lineage.map((l) => ({
                dataset_version_id: v.id,
                source_dataset_version_id: l.sourceId,
                columns: JSON.stringify(l.columns),
              })),
            )
            .execute(),
        { unique: () => conflict('derivedFrom names the same dataset version twice') },
      );
    }
  },

  async getVersion(db: Executor, datasetId: string, version: number): Promise<DatasetVersion | undefined> {
    const row = await versionQuery(db)
      .where('v.dataset_id', '=', datasetId)
      .where('v.version', '=', version)
      .executeTakeFirst();
    return row ? (await versionsWithLineage(db, [row]))[0] : undefined;
  },

  async listVersions(
    db: Executor,
    datasetId: string,
    opts: { afterVersion?: number; limit: number },
  ): Promise<DatasetVersion[]> {
    let q = versionQuery(db).where('v.dataset_id', '=', datasetId).orderBy('v.version').limit(opts.limit);
    if (opts.afterVersion !== undefined) q = q.where('v.version', '>', opts.afterVersion);
    return versionsWithLineage(db, await q.execute());
  },

  /** Registered dataset versions with these digests and the legal region of their data (data residency). */
  async regionsByDigest(
    db: Executor,
    digests: string[],
  ): Promise<{ id: string; dataset: string; version: number; digest: string; legalRegion: string }[]> {
    if (digests.length === 0) return [];
    const rows = await db
      .selectFrom('dataset_versions as v')
      .innerJoin('datasets as d', 'd.id', 'v.dataset_id')
      .select(['v.id', 'd.name', 'v.version', 'v.digest', 'd.legal_region', 'v.legal_region as own_region'])
      .where('v.digest', 'in', digests)
      .orderBy('d.name')
      .orderBy('v.version')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      dataset: r.name,
      version: r.version,
      digest: r.digest,
      legalRegion: r.own_region ?? r.legal_region,
    }));
  },

  /** Resolves a dataset (id or name) and version number to the stored version, or undefined. */
  async resolveVersion(db: Executor, ref: string, version: number): Promise<DatasetVersionRef | undefined> {
    const q = db
      .selectFrom('dataset_versions as v')
      .innerJoin('datasets as d', 'd.id', 'v.dataset_id')
      .select(['v.id', 'v.dataset_id', 'd.name', 'v.version', 'v.digest', 'v.uri', 'd.owner_team'])
      .where('v.version', '=', version);
    const row = await (UUID_RE.test(ref) ? q.where('d.id', '=', ref) : q.where('d.name', '=', ref)).executeTakeFirst();
    return (
      row && {
        id: row.id,
        datasetId: row.dataset_id,
        dataset: row.name,
        version: row.version,
        digest: row.digest,
        uri: row.uri,
        ownerTeam: row.owner_team,
      }
    );
  },

  /**
   * Which model versions used this dataset version: directly, and (transitive) through any dataset
   * version derived from it, breadth-first so each model version is reported at its shortest depth.
   */
  /** A dataset's version with this digest, else (`latest`) its newest version: how lineage events find one. */
  async findVersion(
    db: Executor,
    datasetId: string,
    by: { digest?: string; latest?: boolean },
  ): Promise<{ version: number; digest: string } | undefined> {
    let q = db.selectFrom('dataset_versions').select(['version', 'digest']).where('dataset_id', '=', datasetId);
    if (by.digest !== undefined) q = q.where('digest', '=', by.digest);
    else if (!by.latest) return undefined;
    return q.orderBy('version', 'desc').limit(1).executeTakeFirst();
  },

  async usage(db: Executor, datasetVersionId: string, transitive: boolean): Promise<DatasetUsage[]> {
    const depthOf = new Map<string, number>([[datasetVersionId, 0]]);
    let frontier = [datasetVersionId];
    for (let depth = 1; transitive && frontier.length > 0; depth++) {
      const derived = await db
        .selectFrom('dataset_lineage')
        .select('dataset_version_id')
        .where('source_dataset_version_id', 'in', frontier)
        .execute();
      const next: string[] = [];
      for (const { dataset_version_id: id } of derived) {
        if (!depthOf.has(id)) {
          depthOf.set(id, depth);
          next.push(id);
        }
      }
      frontier = next;
    }
    const rows = await db
      .selectFrom('version_datasets as vd')
      .innerJoin('model_versions as mv', 'mv.id', 'vd.model_version_id')
      .innerJoin('models as m', 'm.id', 'mv.model_id')
      .innerJoin('dataset_versions as dv', 'dv.id', 'vd.dataset_version_id')
      .innerJoin('datasets as d', 'd.id', 'dv.dataset_id')
      .select([
        'm.name as model',
        'mv.version',
        'vd.role',
        'dv.id as dvId',
        'd.id as datasetId',
        'd.name as dataset',
        'dv.version as datasetVersion',
      ])
      .where('vd.dataset_version_id', 'in', [...depthOf.keys()])
      .where('mv.deleted_at', 'is', null)
      .execute();
    return rows
      .map((r) => ({
        model: r.model,
        version: r.version,
        role: r.role,
        viaDataset: { datasetId: r.datasetId, dataset: r.dataset, version: r.datasetVersion },
        depth: depthOf.get(r.dvId)!,
      }))
      .sort(
        (a, b) =>
          a.depth - b.depth || a.model.localeCompare(b.model) || a.version - b.version || a.role.localeCompare(b.role),
      );
  },
};

export type DatasetRepo = typeof datasetRepo;
