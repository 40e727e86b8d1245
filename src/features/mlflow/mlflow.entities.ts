// MLflow's entities (ModelVersion, RegisteredModel) assembled from Steward's rows: the tags,
// aliases, deployments and usernames each shows, fetched for a whole page at once; and, in
// single-process mode, version entities kept beside the inventory's cached version records.

import type { Executor } from '../../db/database.ts';
import type { VersionRecord } from '../versions/versions.repo.ts';
import { mlflowRepo as repo, type MlflowModelRow, type MlflowVersionRow } from './mlflow.repo.ts';
import type { ModelVersionEntity } from './mlflow.schema.ts';
import { groupBy, tagsInKeyOrder, toModelVersion, toRegisteredModel, versionRowOf } from './mlflow.wire.ts';

export function createEntities({ db, cacheByRecord }: { db: Executor; cacheByRecord: boolean }) {
  const userIds = (rows: { created_by: string | null }[]) => [
    ...new Set(rows.flatMap((r) => (r.created_by ? [r.created_by] : []))),
  ];

  async function versionEntities(exec: Executor, rows: MlflowVersionRow[]) {
    const ids = rows.map((r) => r.id);
    const [tags, aliases, users, deployed] = await Promise.all([
      repo.versionTags(exec, ids),
      repo.aliases(exec, [...new Set(rows.map((r) => r.model_id))]),
      repo.usernames(exec, userIds(rows)),
      repo.activeEnvironments(exec, ids),
    ]);
    const tagsOf = groupBy(tags, (x) => x.model_version_id);
    const aliasesOf = groupBy(aliases, (x) => `${x.model_id}:${x.version}`);
    const envsOf = groupBy(deployed, (x) => x.model_version_id);
    return rows.map((r) =>
      toModelVersion(r, {
        tags: tagsOf.get(r.id) ?? [],
        aliases: (aliasesOf.get(`${r.model_id}:${r.version}`) ?? []).map((x) => x.alias),
        environments: (envsOf.get(r.id) ?? []).map((d) => d.environment),
        user: r.created_by ? users.get(r.created_by) : undefined,
      }),
    );
  }

  async function modelEntities(exec: Executor, rows: MlflowModelRow[]) {
    const ids = rows.map((r) => r.id);
    const [tags, aliases, latest, users] = await Promise.all([
      repo.modelTags(exec, ids),
      repo.aliases(exec, ids),
      repo.latestPerStage(exec, ids),
      repo.usernames(exec, userIds(rows)),
    ]);
    const latestEntities = await versionEntities(exec, latest);
    const tagsOf = groupBy(tags, (x) => x.model_id);
    const aliasesOf = groupBy(aliases, (x) => x.model_id);
    const latestOf = groupBy(
      latestEntities.map((e, i) => ({ e, model: latest[i]!.model_id })),
      (x) => x.model,
    );
    return rows.map((r) =>
      toRegisteredModel(r, {
        tags: tagsOf.get(r.id) ?? [],
        aliases: aliasesOf.get(r.id) ?? [],
        latest: (latestOf.get(r.id) ?? []).map((x) => x.e),
        user: r.created_by ? users.get(r.created_by) : undefined,
      }),
    );
  }

  // Reads are what MLflow clients do most (a serving stack resolving its model on every start),
  // and each entity costs five queries. In single-process mode a version's entity is kept beside
  // the version cache's record (a WeakMap: a record the cache replaces takes its entity with it);
  // what the record does not cover, the deployments behind current_stage, drops the lot when it
  // changes (`deploymentsChanged`), and a read that raced with that change is not kept.
  let entities = new WeakMap<VersionRecord, ModelVersionEntity>();
  let deployments = 0;
  const usernames = new Map<string, string>();

  async function username(id: string | null): Promise<string | undefined> {
    if (!id) return undefined;
    const known = usernames.get(id);
    if (known !== undefined) return known;
    const found = (await repo.usernames(db, [id])).get(id);
    // Usernames never change; the bound only keeps a long-lived process's map small.
    if (found !== undefined) {
      if (usernames.size >= 10_000) usernames.clear();
      usernames.set(id, found);
    }
    return found;
  }

  /** The entity of a version record from the inventory, its tags in the order the database gives them. */
  async function entityOf(r: VersionRecord, environments?: string[]): Promise<ModelVersionEntity> {
    const seen = deployments;
    const cached = entities.get(r);
    if (cached) return cached;
    const envs = environments ?? (await repo.activeEnvironments(db, [r.id])).map((d) => d.environment);
    const entity = toModelVersion(versionRowOf(r), {
      tags: tagsInKeyOrder(r.tags),
      aliases: r.aliases,
      environments: envs,
      user: await username(r.createdBy),
    });
    if (cacheByRecord && seen === deployments) entities.set(r, entity);
    return entity;
  }

  /** Drops the kept version entities: a deployment (current_stage) changed. */
  function deploymentsChanged(): void {
    deployments++;
    entities = new WeakMap();
  }

  return { versionEntities, modelEntities, entityOf, deploymentsChanged };
}
