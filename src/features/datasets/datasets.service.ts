import { actorId, type RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.ts';
import type { DatasetRecord, DatasetRepo } from './datasets.repo.ts';
import type { CreateDatasetBody, CreateDatasetVersionBody, DatasetUsage, DatasetVersion } from './datasets.schema.ts';

export interface DatasetServiceDeps extends CommandDeps {
  datasets: Pick<
    DatasetRepo,
    | 'get'
    | 'insert'
    | 'list'
    | 'nextVersionNumber'
    | 'insertVersion'
    | 'getVersion'
    | 'listVersions'
    | 'resolveVersion'
    | 'usage'
    | 'findVersion'
  >;
  teams: { exists(db: Executor, name: string): Promise<boolean> };
}

export function createDatasetService({ db, transact, datasets, teams, audit, clock, ids }: DatasetServiceDeps) {
  async function mustGet(ref: string, exec: Executor = db): Promise<DatasetRecord> {
    const d = await datasets.get(exec, ref);
    if (!d) throw notFound('dataset', ref);
    return d;
  }

  /** Records a dataset version inside the caller's transaction (lineage ingest records several at once). */
  async function createVersionIn(
    tx: Tx,
    ctx: RequestContext,
    ref: string,
    input: CreateDatasetVersionBody,
  ): Promise<DatasetVersion> {
    const dataset = await mustGet(ref, tx);
    authorize(ctx, 'dataset:write', dataset.ownerTeam);
    const derivedFrom: DatasetVersion['derivedFrom'] = [];
    const lineage: { sourceId: string; columns: unknown }[] = [];
    for (const [i, src] of (input.derivedFrom ?? []).entries()) {
      const found = await datasets.resolveVersion(tx, src.dataset, src.version);
      if (!found) {
        throw new DomainError(
          'invalid_reference',
          `derivedFrom[${i}]: dataset '${src.dataset}' has no version ${src.version}`,
          {
            errors: [{ pointer: `/derivedFrom/${i}`, message: 'does not exist' }],
          },
        );
      }
      const columns = src.columns ?? [];
      derivedFrom.push({ datasetId: found.datasetId, dataset: found.dataset, version: found.version, columns });
      lineage.push({ sourceId: found.id, columns });
    }
    const now = clock.now().toISOString();
    const version: DatasetVersion = {
      id: ids.next(),
      datasetId: dataset.id,
      dataset: dataset.name,
      version: await datasets.nextVersionNumber(tx, dataset.id, now),
      digest: input.digest,
      rowCount: input.rowCount,
      uri: input.uri ?? null,
      schema: input.schema ?? [],
      description: input.description ?? '',
      derivedFrom,
      legalRegion: input.legalRegion ?? dataset.legalRegion,
      createdAt: now,
      createdBy: actorId(ctx),
    };
    await datasets.insertVersion(
      tx,
      { ...version, ...(input.legalRegion ? { ownRegion: input.legalRegion } : {}) },
      lineage,
    );
    await audit.append(tx, ctx, {
      action: 'dataset-version.create',
      subject: { type: 'dataset-version', id: version.id },
      after: version,
    });
    return version;
  }

  return {
    async create(ctx: RequestContext, input: CreateDatasetBody): Promise<DatasetRecord> {
      const now = clock.now().toISOString();
      const columns = (input.columns ?? []).map((c) => ({
        name: c.name,
        type: c.type ?? null,
        description: c.description ?? '',
        piiKind: c.piiKind ?? 'none',
        protected: c.protected ?? false,
      }));
      const record: DatasetRecord = {
        id: ids.next(),
        name: input.name,
        description: input.description ?? '',
        ownerTeam: input.ownerTeam,
        provenance: input.provenance,
        legalRegion: input.legalRegion,
        columns,
        containsPersonalData: columns.some((c) => c.piiKind !== 'none'),
        latestVersion: null,
        createdAt: now,
        updatedAt: now,
        createdBy: actorId(ctx),
        revision: 1,
      };
      await transact(async (tx) => {
        authorize(ctx, 'dataset:write', input.ownerTeam);
        if (!(await teams.exists(tx, input.ownerTeam))) {
          throw new DomainError('invalid_reference', `team '${input.ownerTeam}' does not exist`, {
            errors: [{ pointer: '/ownerTeam', message: 'no such team' }],
          });
        }
        await datasets.insert(tx, record);
        await audit.append(tx, ctx, {
          action: 'dataset.create',
          subject: { type: 'dataset', id: record.id },
          after: record,
        });
      });
      return record;
    },

    get: (ref: string) => mustGet(ref),

    async list(opts: {
      limit: number;
      cursor?: string;
      ownerTeam?: string;
      personalData?: boolean;
    }): Promise<Page<DatasetRecord>> {
      const after = decodeCursor(opts.cursor, ['string']) as [string] | undefined;
      const rows = await datasets.list(db, {
        afterName: after?.[0],
        limit: opts.limit + 1,
        ownerTeam: opts.ownerTeam,
        personalData: opts.personalData,
      });
      return toPage(rows, opts.limit, (d) => [d.name]);
    },

    async createVersion(ctx: RequestContext, ref: string, input: CreateDatasetVersionBody): Promise<DatasetVersion> {
      return transact((tx) => createVersionIn(tx, ctx, ref, input));
    },

    createVersionIn,

    /** A dataset's version by digest, or its latest: for lineage events that name no version number. */
    findVersion: (exec: Executor, datasetId: string, by: { digest?: string; latest?: boolean }) =>
      datasets.findVersion(exec, datasetId, by),

    /** The dataset itself, read in the caller's transaction. */
    getIn: (exec: Executor, ref: string) => datasets.get(exec, ref),

    async getVersion(ref: string, version: number): Promise<DatasetVersion> {
      const dataset = await mustGet(ref);
      const found = await datasets.getVersion(db, dataset.id, version);
      if (!found) throw notFound('dataset version', `${dataset.name}/${version}`);
      return found;
    },

    async listVersions(ref: string, opts: { limit: number; cursor?: string }): Promise<Page<DatasetVersion>> {
      const dataset = await mustGet(ref);
      const after = decodeCursor(opts.cursor, ['number']) as [number] | undefined;
      const rows = await datasets.listVersions(db, dataset.id, { afterVersion: after?.[0], limit: opts.limit + 1 });
      return toPage(rows, opts.limit, (v) => [v.version]);
    },

    async usage(ref: string, version: number, transitive: boolean): Promise<DatasetUsage[]> {
      const found = await datasets.resolveVersion(db, ref, version);
      if (!found) {
        await mustGet(ref);
        throw notFound('dataset version', `${ref}/${version}`);
      }
      return datasets.usage(db, found.id, transitive);
    },
  };
}

export type DatasetService = ReturnType<typeof createDatasetService>;
