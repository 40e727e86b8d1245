import type { Clock } from '../../clock.ts';
import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Transact } from '../../db/transact.ts';
import { assertRevision } from '../../domain/revision.ts';
import { notFound } from '../../errors.ts';
import type { IdSource } from '../../http/ids.ts';
import { decodeCursor, toPage, type Page } from '../../http/pagination.ts';
import type { ModelRecord, ModelRepo } from './models.repo.ts';
import type { CreateModelBody, PatchModelBody } from './models.schema.ts';

export interface ModelServiceDeps {
  db: Executor;
  transact: Transact;
  models: Pick<ModelRepo, 'getByName' | 'insert' | 'update' | 'patchTags' | 'list'>;
  clock: Clock;
  ids: IdSource;
  /** Told after commit whenever a model's own fields change (its versions show its name). */
  onModelChanged: (modelId: string) => void;
}

/** `key` or `key=value`: the tag filter of the model list. */
export function parseTagFilter(tag: string | undefined): { key: string; value?: string } | undefined {
  if (tag === undefined) return undefined;
  const i = tag.indexOf('=');
  return i < 0 ? { key: tag } : { key: tag.slice(0, i), value: tag.slice(i + 1) };
}

export function createModelService({ db, transact, models, clock, ids, onModelChanged }: ModelServiceDeps) {
  return {
    async create(ctx: RequestContext, input: CreateModelBody): Promise<ModelRecord> {
      const now = clock.now().toISOString();
      const record: ModelRecord = {
        id: ids.next(),
        name: input.name,
        useCaseId: input.useCaseId,
        description: input.description ?? '',
        tags: input.tags ?? {},
        aliases: {},
        latestVersion: null,
        createdAt: now,
        updatedAt: now,
        createdBy: ctx.actor?.id ?? null,
        revision: 1,
      };
      await transact((tx) => models.insert(tx, record));
      return record;
    },

    async get(name: string): Promise<ModelRecord> {
      const found = await models.getByName(db, name);
      if (!found) throw notFound('model', name);
      return found;
    },

    async update(_ctx: RequestContext, name: string, patch: PatchModelBody, expectedRevision: number | undefined): Promise<ModelRecord> {
      const updated = await transact(async (tx) => {
        const current = await models.getByName(tx, name);
        if (!current) throw notFound('model', name);
        assertRevision('model', current.revision, expectedRevision);
        const { tags: tagPatch, ...fields } = patch;
        const next: ModelRecord = { ...current, ...fields, updatedAt: clock.now().toISOString(), revision: current.revision + 1 };
        if (!(await models.update(tx, next, current.revision))) assertRevision('model', -1, current.revision);
        if (tagPatch) {
          await models.patchTags(tx, current.id, tagPatch);
          next.tags = { ...current.tags };
          for (const [k, v] of Object.entries(tagPatch)) {
            if (v === null) delete next.tags[k];
            else next.tags[k] = v;
          }
        }
        return next;
      });
      onModelChanged(updated.id);
      return updated;
    },

    async list(opts: { limit: number; cursor?: string; useCaseId?: string; tag?: string; q?: string }): Promise<Page<ModelRecord>> {
      const after = decodeCursor(opts.cursor, 1) as [string] | undefined;
      const rows = await models.list(db, {
        afterName: after?.[0],
        limit: opts.limit + 1,
        useCaseId: opts.useCaseId,
        tag: parseTagFilter(opts.tag),
        q: opts.q,
      });
      return toPage(rows, opts.limit, (m) => [m.name]);
    },
  };
}

export type ModelService = ReturnType<typeof createModelService>;
