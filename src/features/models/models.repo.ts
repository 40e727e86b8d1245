import { sql } from 'kysely';
import { likeLiteral } from '../../db/like.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import { prepared } from '../../db/prepared.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { ModelTable } from '../../db/schema.ts';
import { conflict, DomainError } from '../../errors.ts';
import type { TagsPatch } from '../common/common.schema.ts';
import { modelSearchText } from '../../domain/search.ts';
import type { Alias, Model } from './models.schema.ts';

export interface ModelRecord extends Model {
  revision: number;
}

// Run on every version registration: built once (see `prepared`).
const withTeam = prepared((db, p: { name: string }) =>
  db
    .selectFrom('models as m')
    .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
    .select(['m.id', 'u.owner_team'])
    .where('m.name', '=', p.name),
);
const claimVersion = prepared((tx, p: { modelId: string; now: string }) =>
  tx
    .updateTable('models')
    .set({ last_version: sql<number>`last_version + 1`, revision: sql<number>`revision + 1`, updated_at: p.now })
    .where('id', '=', p.modelId)
    .returning('last_version'),
);

type ModelRow = Omit<ModelRecord, 'tags' | 'aliases' | 'latestVersion'> & { lastVersion: number };

const toRow = (m: ModelRow): ModelTable => ({
  id: m.id,
  name: m.name,
  use_case_id: m.useCaseId,
  description: m.description,
  search_text: modelSearchText(m.name, m.description),
  last_version: m.lastVersion,
  created_at: m.createdAt,
  updated_at: m.updatedAt,
  created_by: m.createdBy,
  revision: m.revision,
});

const modelErrors = (name: string, useCaseId: string) => ({
  unique: () => conflict(`a model named '${name}' already exists`),
  foreign_key: () =>
    new DomainError('invalid_reference', `use case '${useCaseId}' does not exist`, {
      errors: [{ pointer: '/useCaseId', message: 'does not exist' }],
    }),
});

async function hydrate(db: Executor, rows: ModelTable[]): Promise<ModelRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [tags, aliases] = await Promise.all([
    db.selectFrom('model_tags').select(['model_id', 'key', 'value']).where('model_id', 'in', ids).execute(),
    db.selectFrom('model_aliases').select(['model_id', 'alias', 'version']).where('model_id', 'in', ids).execute(),
  ]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    useCaseId: r.use_case_id,
    description: r.description,
    tags: Object.fromEntries(tags.filter((t) => t.model_id === r.id).map((t) => [t.key, t.value])),
    aliases: Object.fromEntries(aliases.filter((a) => a.model_id === r.id).map((a) => [a.alias, a.version])),
    latestVersion: r.last_version === 0 ? null : r.last_version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    createdBy: r.created_by,
    revision: r.revision,
  }));
}

export const modelRepo = {
  /** The model's id and owning team (its use case's): the cheap lookup version commands need. */
  async findWithTeam(db: Executor, name: string): Promise<{ id: string; team: string } | undefined> {
    const row = (await withTeam(db, { name })).rows[0];
    return row && { id: row.id, team: row.owner_team };
  },

  async getByName(db: Executor, name: string): Promise<ModelRecord | undefined> {
    const row = await db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? (await hydrate(db, [row]))[0] : undefined;
  },

  async insert(tx: Tx, m: ModelRecord): Promise<void> {
    await translateConstraints(
      () =>
        tx
          .insertInto('models')
          .values(toRow({ ...m, lastVersion: m.latestVersion ?? 0 }))
          .execute(),
      modelErrors(m.name, m.useCaseId),
    );
    await this.patchTags(tx, m.id, m.tags);
  },

  /** Writes the model's own fields if its revision is still `expectedRevision`; false otherwise. */
  async update(tx: Tx, m: ModelRecord, expectedRevision: number): Promise<boolean> {
    const res = await translateConstraints(
      () =>
        tx
          .updateTable('models')
          .set({
            name: m.name,
            use_case_id: m.useCaseId,
            description: m.description,
            search_text: modelSearchText(m.name, m.description),
            updated_at: m.updatedAt,
            revision: m.revision,
          })
          .where('id', '=', m.id)
          .where('revision', '=', expectedRevision)
          .executeTakeFirst(),
      modelErrors(m.name, m.useCaseId),
    );
    return Number(res.numUpdatedRows) === 1;
  },

  /** Applies a JSON-merge-patch of tags: string values upsert, null deletes. */
  async patchTags(tx: Tx, modelId: string, patch: TagsPatch): Promise<void> {
    for (const [key, value] of Object.entries(patch)) {
      await tx.deleteFrom('model_tags').where('model_id', '=', modelId).where('key', '=', key).execute();
      if (value !== null) await tx.insertInto('model_tags').values({ model_id: modelId, key, value }).execute();
    }
  },

  /**
   * Issues the next version number of a model, never reusing one, even after deletions. The row
   * lock this update takes serialises concurrent version creates of one model.
   */
  async nextVersionNumber(tx: Tx, modelId: string, now: string): Promise<number> {
    const row = (await claimVersion(tx, { modelId, now })).rows[0];
    if (!row) throw new Error(`model ${modelId} does not exist`);
    return row.last_version;
  },

  async list(
    db: Executor,
    opts: { afterName?: string; limit: number; useCaseId?: string; tag?: { key: string; value?: string }; q?: string },
  ): Promise<ModelRecord[]> {
    let q = db.selectFrom('models').selectAll().where('deleted_at', 'is', null).orderBy('name').limit(opts.limit);
    if (opts.afterName !== undefined) q = q.where('name', '>', opts.afterName);
    if (opts.useCaseId) q = q.where('use_case_id', '=', opts.useCaseId);
    if (opts.tag) {
      const { key, value } = opts.tag;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('model_tags as t')
            .select('t.key')
            .whereRef('t.model_id', '=', 'models.id')
            .where('t.key', '=', key)
            .$if(value !== undefined, (s) => s.where('t.value', '=', value!)),
        ),
      );
    }
    if (opts.q) {
      const pattern = likeLiteral(opts.q);
      q = q.where(sql<boolean>`search_text like ${pattern} escape '\\'`);
    }
    return hydrate(db, await q.execute());
  },

  async getAlias(db: Executor, modelId: string, alias: string): Promise<Omit<Alias, 'model'> | undefined> {
    const row = await db
      .selectFrom('model_aliases')
      .select(['alias', 'version', 'updated_at'])
      .where('model_id', '=', modelId)
      .where('alias', '=', alias)
      .executeTakeFirst();
    return row && { alias: row.alias, version: row.version, updatedAt: row.updated_at };
  },

  /** Points an alias at a version (an upsert, so concurrent moves of one alias cannot collide). */
  async setAlias(tx: Tx, modelId: string, alias: string, version: number, now: string): Promise<void> {
    await tx
      .insertInto('model_aliases')
      .values({ model_id: modelId, alias, version, updated_at: now })
      .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version, updated_at: now }))
      .execute();
  },

  /**
   * Deletes a model for its users while keeping its record: it takes a name no client can send
   * (names cannot contain ':'), its versions are soft-deleted and its aliases removed.
   */
  async softDelete(tx: Tx, modelId: string, name: string, now: string): Promise<void> {
    await tx
      .updateTable('models')
      .set({
        name: `deleted:${modelId}:${name}`,
        deleted_at: now,
        updated_at: now,
        revision: sql<number>`revision + 1`,
      })
      .where('id', '=', modelId)
      .execute();
    await tx.deleteFrom('model_aliases').where('model_id', '=', modelId).execute();
  },

  /** Removes the aliases pointing at one version (it was deleted). */
  async deleteAliasesOfVersion(tx: Tx, modelId: string, version: number): Promise<void> {
    await tx.deleteFrom('model_aliases').where('model_id', '=', modelId).where('version', '=', version).execute();
  },

  /** The model's representation changed (aliases, latest version): a new revision, so a new ETag. */
  async touch(tx: Tx, modelId: string, now: string): Promise<void> {
    await tx
      .updateTable('models')
      .set({ revision: sql<number>`revision + 1`, updated_at: now })
      .where('id', '=', modelId)
      .execute();
  },

  /**
   * Takes the model's row lock before a read-modify-write, so a concurrent unconditional update
   * waits instead of failing the revision check (a no-op on SQLite, whose writes are serial).
   */
  async lock(tx: Tx, name: string): Promise<void> {
    await lockRows(tx, 'models', 'revision').where('name', '=', name).execute();
  },

  async deleteAlias(tx: Tx, modelId: string, alias: string): Promise<boolean> {
    const res = await tx
      .deleteFrom('model_aliases')
      .where('model_id', '=', modelId)
      .where('alias', '=', alias)
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  },

  async aliasesOfVersion(db: Executor, modelId: string, version: number): Promise<string[]> {
    const rows = await db
      .selectFrom('model_aliases')
      .select('alias')
      .where('model_id', '=', modelId)
      .where('version', '=', version)
      .orderBy('alias')
      .execute();
    return rows.map((r) => r.alias);
  },
};

export type ModelRepo = typeof modelRepo;
