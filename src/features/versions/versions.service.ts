import { actorId, type RequestContext } from '../../context.ts';
import { isReservedAlias } from '../../domain/aliases.ts';
import type { Emit } from '../../events.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { assertRevision } from '../../domain/revision.ts';
import { assertTagLimits } from '../../domain/tag-limits.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import type { ModelRepo } from '../models/models.repo.ts';
import type { VersionCache } from './version-cache.ts';
import type { VersionRecord, VersionRepo } from './versions.repo.ts';
import type { CreateVersionBody, PatchVersionBody, Stage } from './versions.schema.ts';

export interface VersionServiceDeps extends CommandDeps {
  versions: Pick<
    VersionRepo,
    | 'get'
    | 'list'
    | 'latest'
    | 'insert'
    | 'updateAnnotations'
    | 'exists'
    | 'lock'
    | 'touch'
    | 'setLifecycle'
    | 'softDelete'
    | 'inStage'
  >;
  models: Pick<
    ModelRepo,
    'findWithTeam' | 'nextVersionNumber' | 'getAlias' | 'setAlias' | 'deleteAlias' | 'deleteAliasesOfVersion' | 'touch'
  >;
  datasets: Pick<DatasetRepo, 'resolveVersion'>;
  cache: VersionCache;
  /** Emits `version.created` and `alias.moving` (whose subscribers may refuse the move). */
  events: Emit;
}

export function createVersionService({
  db,
  transact,
  versions,
  models,
  datasets,
  audit,
  clock,
  ids,
  cache,
  events,
}: VersionServiceDeps) {
  async function findModel(name: string, exec: Executor = db): Promise<{ id: string; team: string }> {
    const m = await models.findWithTeam(exec, name);
    if (!m) throw notFound('model', name);
    return m;
  }
  const modelId = async (name: string, exec: Executor = db) => (await findModel(name, exec)).id;

  async function mustGet(name: string, version: number, exec: Executor = db): Promise<VersionRecord> {
    const v = await versions.get(exec, name, version);
    if (v) return v;
    await modelId(name, exec);
    throw notFound('model version', `${name}/${version}`);
  }

  return {
    /**
     * Registers a version. `origin` carries what the MLflow protocol adds: the run it came from
     * and, while registration checks run, the pending status.
     */
    async create(
      ctx: RequestContext,
      modelName: string,
      input: Omit<CreateVersionBody, 'artifactDigest'> & { artifactDigest: string | null },
      origin: { runId?: string | null; runLink?: string | null; status?: VersionRecord['status'] } = {},
    ): Promise<VersionRecord> {
      assertTagLimits(input.tags ?? {});
      return transact(async (tx) => {
        const model = await findModel(modelName, tx);
        authorize(ctx, 'version:write', model.team);
        const links: { datasetVersionId: string; role: string }[] = [];
        const used: VersionRecord['datasets'] = [];
        for (const [i, ref] of (input.datasets ?? []).entries()) {
          const found = await datasets.resolveVersion(tx, ref.dataset, ref.version);
          if (!found) {
            throw new DomainError(
              'invalid_reference',
              `datasets[${i}]: dataset '${ref.dataset}' has no version ${ref.version}`,
              {
                errors: [{ pointer: `/datasets/${i}`, message: 'does not exist' }],
              },
            );
          }
          links.push({ datasetVersionId: found.id, role: ref.role });
          used.push({
            datasetId: found.datasetId,
            dataset: found.dataset,
            version: found.version,
            role: ref.role,
            digest: found.digest,
          });
        }
        const now = clock.now().toISOString();
        const record: VersionRecord = {
          id: ids.next(),
          modelId: model.id,
          model: modelName,
          version: await models.nextVersionNumber(tx, model.id, now),
          artifactUri: input.artifactUri,
          artifactDigest: input.artifactDigest,
          framework: input.framework ?? null,
          params: input.params ?? {},
          metrics: input.metrics ?? {},
          datasets: used,
          code: input.code ?? null,
          environment: input.environment ?? null,
          documentation: input.documentation ?? [],
          tags: input.tags ?? {},
          description: input.description ?? '',
          stage: 'development',
          status: origin.status ?? 'ready',
          statusMessage: null,
          aliases: [],
          signatures: [],
          createdAt: now,
          updatedAt: now,
          createdBy: actorId(ctx),
          revision: 1,
          runId: origin.runId ?? null,
          runLink: origin.runLink ?? null,
        };
        await versions.insert(tx, record, links);
        await audit.append(tx, ctx, {
          action: 'version.create',
          subject: { type: 'model-version', id: record.id },
          after: record,
        });
        await events.emit(tx, 'version.created', { ctx, version: record });
        return record;
      });
    },

    async get(name: string, version: number): Promise<VersionRecord> {
      const cached = await cache.read(name, version, () => versions.get(db, name, version));
      return cached ?? mustGet(name, version);
    },

    async list(name: string, opts: { limit: number; cursor?: string; stage?: Stage }): Promise<Page<VersionRecord>> {
      const id = await modelId(name);
      const after = decodeCursor(opts.cursor, ['number']) as [number] | undefined;
      const rows = await versions.list(db, id, { afterVersion: after?.[0], limit: opts.limit + 1, stage: opts.stage });
      return toPage(rows, opts.limit, (v) => [v.version]);
    },

    async update(
      ctx: RequestContext,
      name: string,
      version: number,
      patch: PatchVersionBody,
      expectedRevision: number | undefined,
    ): Promise<VersionRecord> {
      return transact(async (tx) => {
        await versions.lock(tx, name, version);
        const current = await mustGet(name, version, tx);
        authorize(ctx, 'version:write', (await findModel(name, tx)).team);
        assertRevision('model version', current.revision, expectedRevision);
        const next: VersionRecord = {
          ...current,
          description: patch.description ?? current.description,
          tags: { ...current.tags },
          updatedAt: clock.now().toISOString(),
          revision: current.revision + 1,
        };
        for (const [k, v] of Object.entries(patch.tags ?? {})) {
          if (v === null) delete next.tags[k];
          else next.tags[k] = v;
        }
        assertTagLimits(next.tags, current.tags);
        if (!(await versions.updateAnnotations(tx, next, current.revision, patch.tags)))
          assertRevision('model version', -1, current.revision);
        await audit.append(tx, ctx, {
          action: 'version.update',
          subject: { type: 'model-version', id: current.id },
          before: current,
          after: next,
        });
        return next;
      }).then((next) => {
        cache.modelChanged(next.modelId);
        return next;
      });
    },

    /**
     * Sets the version's stage (a recorded action); with `archiveOthers`, the model's other versions
     * in that stage move to archived. Governed stage moves are decided by the caller (promotions).
     */
    async setStage(
      ctx: RequestContext,
      name: string,
      version: number,
      stage: Stage,
      archiveOthers: boolean,
    ): Promise<VersionRecord> {
      return transact(async (tx) => {
        await versions.lock(tx, name, version);
        const current = await mustGet(name, version, tx);
        authorize(ctx, 'version:write', (await findModel(name, tx)).team);
        const now = clock.now().toISOString();
        const archived: number[] = [];
        if (archiveOthers) {
          for (const other of await versions.inStage(tx, current.modelId, stage)) {
            if (other.id === current.id) continue;
            await versions.setLifecycle(tx, other.id, { stage: 'archived' }, now);
            archived.push(other.version);
          }
        }
        await versions.setLifecycle(tx, current.id, { stage }, now);
        const next = { ...current, stage, updatedAt: now, revision: current.revision + 1 };
        await audit.append(tx, ctx, {
          action: 'version.stage',
          subject: { type: 'model-version', id: current.id },
          before: { stage: current.stage },
          after: { stage, archived },
        });
        return next;
      }).then((next) => {
        cache.modelChanged(next.modelId);
        return next;
      });
    },

    /** Records the outcome of registration checks on a pending version (`ready` or `failed-registration`). */
    async setStatus(
      tx: Tx,
      ctx: RequestContext,
      v: VersionRecord,
      status: VersionRecord['status'],
      message: string | null,
    ): Promise<void> {
      await versions.setLifecycle(tx, v.id, { status, statusMessage: message }, clock.now().toISOString());
      await audit.append(tx, ctx, {
        action: 'version.status',
        subject: { type: 'model-version', id: v.id },
        before: { status: v.status },
        after: { status, statusMessage: message },
      });
    },

    /** Drops cached reads of a model's versions (after a change made outside this service's commands). */
    invalidate(modelId: string): void {
      cache.modelChanged(modelId);
    },

    /** Soft-deletes a version: its number is never reused, its aliases go. */
    async remove(
      ctx: RequestContext,
      name: string,
      version: number,
      refuse?: (tx: Tx, v: VersionRecord) => Promise<void>,
    ): Promise<void> {
      const v = await transact(async (tx) => {
        await versions.lock(tx, name, version);
        const current = await mustGet(name, version, tx);
        authorize(ctx, 'version:write', (await findModel(name, tx)).team);
        await refuse?.(tx, current);
        const now = clock.now().toISOString();
        await versions.softDelete(tx, current, now);
        await models.deleteAliasesOfVersion(tx, current.modelId, current.version);
        // Its aliases were part of the model's representation: a new revision (ETag, last update).
        await models.touch(tx, current.modelId, now);
        await audit.append(tx, ctx, {
          action: 'version.delete',
          subject: { type: 'model-version', id: current.id },
          before: current,
        });
        return current;
      });
      cache.modelChanged(v.modelId);
    },

    async setAlias(
      ctx: RequestContext,
      name: string,
      alias: string,
      version: number,
    ): Promise<{ alias: string; version: number; previous: number | null; updatedAt: string }> {
      if (isReservedAlias(alias)) {
        throw new DomainError('validation_failed', `alias '${alias}' is reserved`, {
          errors: [{ pointer: '/alias', message: 'is reserved (latest, v<digits>)' }],
        });
      }
      const { id, ...result } = await transact(async (tx) => {
        const { id, team } = await findModel(name, tx);
        authorize(ctx, 'alias:write', team);
        if (!(await versions.exists(tx, id, version))) {
          throw new DomainError('invalid_reference', `model '${name}' has no version ${version}`, {
            errors: [{ pointer: '/version', message: 'does not exist' }],
          });
        }
        await events.emit(tx, 'alias.moving', { ctx, model: name, alias, version });
        const previous = await models.getAlias(tx, id, alias);
        const now = clock.now().toISOString();
        await models.setAlias(tx, id, alias, version, now);
        await models.touch(tx, id, now);
        await versions.touch(
          tx,
          id,
          previous && previous.version !== version ? [previous.version, version] : [version],
          now,
        );
        await audit.append(tx, ctx, {
          action: 'alias.set',
          subject: { type: 'model', id },
          before: previous ? { model: name, alias, version: previous.version } : null,
          after: { model: name, alias, version },
        });
        return { id, alias, version, previous: previous?.version ?? null, updatedAt: now };
      });
      cache.modelChanged(id);
      return result;
    },

    async deleteAlias(ctx: RequestContext, name: string, alias: string): Promise<void> {
      const id = await transact(async (tx) => {
        const { id, team } = await findModel(name, tx);
        authorize(ctx, 'alias:write', team);
        const previous = await models.getAlias(tx, id, alias);
        if (!previous || !(await models.deleteAlias(tx, id, alias))) throw notFound('alias', `${name}@${alias}`);
        const now = clock.now().toISOString();
        await models.touch(tx, id, now);
        await versions.touch(tx, id, [previous.version], now);
        await audit.append(tx, ctx, {
          action: 'alias.delete',
          subject: { type: 'model', id },
          before: { model: name, alias, version: previous.version },
        });
        return id;
      });
      cache.modelChanged(id);
    },

    /** Resolves an alias to the version it points at; `latest` resolves to the highest live version. */
    async resolveAlias(name: string, alias: string): Promise<VersionRecord> {
      const id = await modelId(name);
      if (alias.toLowerCase() === 'latest') {
        const last = await versions.latest(db, id);
        if (!last) throw notFound('model version', `${name}@latest`);
        return last;
      }
      const found = await models.getAlias(db, id, alias);
      if (!found) throw notFound('alias', `${name}@${alias}`);
      return mustGet(name, found.version);
    },
  };
}

export type VersionService = ReturnType<typeof createVersionService>;
