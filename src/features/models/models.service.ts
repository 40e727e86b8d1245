import { actorId, type RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { assertRevision } from '../../domain/revision.ts';
import { assertTagLimits } from '../../domain/tag-limits.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { UseCaseRepo } from '../use-cases/use-cases.repo.ts';
import type { VersionRepo } from '../versions/versions.repo.ts';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.ts';
import type { ModelRecord, ModelRepo } from './models.repo.ts';
import type { CreateModelBody, PatchModelBody } from './models.schema.ts';

export interface ModelServiceDeps extends CommandDeps {
  models: Pick<ModelRepo, 'getByName' | 'insert' | 'update' | 'patchTags' | 'list' | 'lock' | 'softDelete'>;
  useCases: Pick<UseCaseRepo, 'get' | 'resolve'>;
  /** A deleted model's versions are deleted with it (the versions repository owns them). */
  versions: Pick<VersionRepo, 'softDeleteOfModel'>;
  /** Told after commit whenever a model's own fields change (its versions show its name). */
  onModelChanged: (modelId: string) => void;
}

/** `key` or `key=value`: the tag filter of the model list. */
export function parseTagFilter(tag: string | undefined): { key: string; value?: string } | undefined {
  if (tag === undefined) return undefined;
  const i = tag.indexOf('=');
  return i < 0 ? { key: tag } : { key: tag.slice(0, i), value: tag.slice(i + 1) };
}

// The filter of a list naming a use case that does not exist: matches no model.
const NO_USE_CASE = '00000000-0000-0000-0000-000000000000';

export function createModelService({
  db,
  transact,
  models,
  useCases,
  versions,
  audit,
  clock,
  ids,
  onModelChanged,
}: ModelServiceDeps) {
  /**
   * The id of the use case a body names by `useCase` or `useCaseId` (either an id or a name);
   * undefined when it names none. Naming two different ones is refused.
   */
  async function useCaseIdOf(
    exec: Executor,
    input: { useCase?: string | undefined; useCaseId?: string | undefined },
    where: 'body' | 'querystring',
  ): Promise<string | undefined> {
    const { useCase, useCaseId } = input;
    if (useCase !== undefined && useCaseId !== undefined && useCase !== useCaseId)
      throw new DomainError('validation_failed', 'give the use case once, as useCase (an id or a name)', {
        errors: [{ pointer: '/useCaseId', message: 'useCase is given too' }],
      });
    const ref = useCase ?? useCaseId;
    if (ref === undefined) return undefined;
    const found = await useCases.resolve(exec, ref);
    if (!found) {
      if (where === 'querystring') return NO_USE_CASE;
      throw new DomainError('invalid_reference', `use case '${ref}' does not exist (give its id or its name)`, {
        errors: [{ pointer: `/${useCase !== undefined ? 'useCase' : 'useCaseId'}`, message: 'does not exist' }],
      });
    }
    return found.id;
  }

  /** The team owning a use case (and so its models); invalid_reference when it does not exist. */
  async function teamOf(exec: Executor, useCaseId: string): Promise<string> {
    const uc = await useCases.get(exec, useCaseId);
    if (!uc)
      throw new DomainError('invalid_reference', `use case '${useCaseId}' does not exist`, {
        errors: [{ pointer: '/useCaseId', message: 'does not exist' }],
      });
    return uc.ownerTeam;
  }

  return {
    /** `within` runs inside the creating transaction (a caller's own rows commit with the model). */
    async create(
      ctx: RequestContext,
      input: CreateModelBody,
      within?: (tx: Tx, record: ModelRecord) => Promise<void>,
    ): Promise<ModelRecord> {
      assertTagLimits(input.tags ?? {});
      const useCaseId = await useCaseIdOf(db, input, 'body');
      if (useCaseId === undefined)
        throw new DomainError(
          'validation_failed',
          'a model needs its use case: give useCase (the use case id or name)',
          {
            errors: [{ pointer: '/useCase', message: 'is required (the use case id or name)' }],
          },
        );
      const now = clock.now().toISOString();
      const record: ModelRecord = {
        id: ids.next(),
        name: input.name,
        useCaseId,
        description: input.description ?? '',
        tags: input.tags ?? {},
        aliases: {},
        latestVersion: null,
        createdAt: now,
        updatedAt: now,
        createdBy: actorId(ctx),
        revision: 1,
      };
      await transact(async (tx) => {
        authorize(ctx, 'model:write', await teamOf(tx, useCaseId));
        await models.insert(tx, record);
        await audit.append(tx, ctx, {
          action: 'model.create',
          subject: { type: 'model', id: record.id },
          after: record,
        });
        await within?.(tx, record);
      });
      return record;
    },

    async get(name: string): Promise<ModelRecord> {
      const found = await models.getByName(db, name);
      if (!found) throw notFound('model', name);
      return found;
    },

    async update(
      ctx: RequestContext,
      name: string,
      patch: PatchModelBody,
      expectedRevision: number | undefined,
      within?: (tx: Tx, record: ModelRecord) => Promise<void>,
    ): Promise<ModelRecord> {
      const updated = await transact(async (tx) => {
        await models.lock(tx, name);
        const current = await models.getByName(tx, name);
        if (!current) throw notFound('model', name);
        authorize(ctx, 'model:write', await teamOf(tx, current.useCaseId));
        const { tags: tagPatch, useCase: _named, useCaseId: _given, ...rest } = patch;
        const useCaseId = await useCaseIdOf(tx, patch, 'body');
        if (useCaseId !== undefined && useCaseId !== current.useCaseId)
          authorize(ctx, 'model:write', await teamOf(tx, useCaseId));
        assertRevision('model', current.revision, expectedRevision);
        const fields = { ...rest, ...(useCaseId !== undefined ? { useCaseId } : {}) };
        const next: ModelRecord = {
          ...current,
          ...fields,
          updatedAt: clock.now().toISOString(),
          revision: current.revision + 1,
        };
        if (!(await models.update(tx, next, current.revision))) assertRevision('model', -1, current.revision);
        if (tagPatch) {
          next.tags = { ...current.tags };
          for (const [k, v] of Object.entries(tagPatch)) {
            if (v === null) delete next.tags[k];
            else next.tags[k] = v;
          }
          assertTagLimits(next.tags, current.tags);
          await models.patchTags(tx, current.id, tagPatch);
        }
        await audit.append(tx, ctx, {
          action: 'model.update',
          subject: { type: 'model', id: current.id },
          before: current,
          after: next,
        });
        await within?.(tx, next);
        return next;
      });
      onModelChanged(updated.id);
      return updated;
    },

    /**
     * Deletes a model (MLflow's registered-models/delete): refused by `refuse` for governed ones;
     * otherwise kept for the record under an unusable name, its versions soft-deleted.
     */
    async remove(ctx: RequestContext, name: string, refuse?: (tx: Tx, m: ModelRecord) => Promise<void>): Promise<void> {
      const id = await transact(async (tx) => {
        await models.lock(tx, name);
        const current = await models.getByName(tx, name);
        if (!current) throw notFound('model', name);
        authorize(ctx, 'model:write', await teamOf(tx, current.useCaseId));
        await refuse?.(tx, current);
        const now = clock.now().toISOString();
        await models.softDelete(tx, current.id, current.name, now);
        await versions.softDeleteOfModel(tx, current.id, now);
        await audit.append(tx, ctx, {
          action: 'model.delete',
          subject: { type: 'model', id: current.id },
          before: current,
        });
        return current.id;
      });
      onModelChanged(id);
    },

    async list(opts: {
      limit: number;
      cursor?: string;
      useCase?: string;
      useCaseId?: string;
      tag?: string;
      q?: string;
    }): Promise<Page<ModelRecord>> {
      const after = decodeCursor(opts.cursor, ['string']) as [string] | undefined;
      const rows = await models.list(db, {
        afterName: after?.[0],
        limit: opts.limit + 1,
        useCaseId: await useCaseIdOf(db, opts, 'querystring'),
        tag: parseTagFilter(opts.tag),
        q: opts.q,
      });
      return toPage(rows, opts.limit, (m) => [m.name]);
    },
  };
}

export type ModelService = ReturnType<typeof createModelService>;
