import { sql } from 'kysely';
import { chunks } from '../../db/chunks.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { listRead, preparedInsert } from '../../db/prepared.ts';
import { lockRows } from '../../db/locks.ts';
import type { ModelVersionTable } from '../../db/schema.ts';
import type { TagsPatch } from '../common/common.schema.ts';
import { parseJson } from '../common/common.schema.ts';
import type { ModelVersion, Stage } from './versions.schema.ts';

export interface VersionRecord extends ModelVersion {
  modelId: string;
  revision: number;
  runId: string | null;
  runLink: string | null;
}

type Row = ModelVersionTable & { model_name: string };

const statusOut: Record<string, ModelVersion['status']> = { pending: 'pending', ready: 'ready', failed: 'failed' };

// A version's row and its tags, written on every registration (prepared once).
const insertVersion = preparedInsert('model_versions', [
  'id',
  'model_id',
  'version',
  'artifact_uri',
  'artifact_digest',
  'framework',
  'params',
  'metrics',
  'code_repository',
  'code_commit',
  'code_path',
  'environment',
  'documentation',
  'description',
  'stage',
  'status',
  'status_message',
  'run_id',
  'run_link',
  'created_at',
  'updated_at',
  'created_by',
  'deleted_at',
  'revision',
]);
const insertTags = preparedInsert('version_tags', ['model_version_id', 'key', 'value']);

// What a version record is made of besides its row, read for many versions at once (prepared once).
const tagsOf = listRead((db, ids) =>
  db.selectFrom('version_tags').select(['model_version_id', 'key', 'value']).where('model_version_id', 'in', ids),
);
const datasetsOf = listRead((db, ids) =>
  db
    .selectFrom('version_datasets as vd')
    .innerJoin('dataset_versions as dv', 'dv.id', 'vd.dataset_version_id')
    .innerJoin('datasets as d', 'd.id', 'dv.dataset_id')
    .select(['vd.model_version_id', 'vd.role', 'd.id as datasetId', 'd.name as dataset', 'dv.version', 'dv.digest'])
    .where('vd.model_version_id', 'in', ids)
    .orderBy('d.name')
    .orderBy('dv.version')
    .orderBy('vd.role'),
);
const aliasesOf = listRead((db, modelIds) =>
  db
    .selectFrom('model_aliases')
    .select(['model_id', 'alias', 'version'])
    .where('model_id', 'in', modelIds)
    .orderBy('alias'),
);
const signaturesOf = listRead((db, ids) =>
  db
    .selectFrom('signatures')
    .select(['id', 'subject_id', 'signer_name', 'role', 'meaning', 'step', 'created_at'])
    .where('subject_type', '=', 'model-version')
    .where('subject_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id'),
);

/** A version as it is defined, without its labels (tags, aliases, signatures): what governance reads. */
export type DefinedVersionRecord = Omit<VersionRecord, 'tags' | 'aliases' | 'signatures'>;

type DatasetRow = Awaited<ReturnType<typeof datasetsOf>>[number];

function definitionOf(r: Row, datasets: DatasetRow[]): DefinedVersionRecord {
  return {
    id: r.id,
    modelId: r.model_id,
    model: r.model_name,
    version: r.version,
    artifactUri: r.artifact_uri,
    artifactDigest: r.artifact_digest,
    framework: r.framework,
    params: parseJson(r.params),
    metrics: parseJson(r.metrics),
    datasets: datasets
      .filter((d) => d.model_version_id === r.id)
      .map((d) => ({
        datasetId: d.datasetId,
        dataset: d.dataset,
        version: d.version,
        role: d.role as 'training',
        digest: d.digest,
      })),
    code:
      r.code_repository && r.code_commit
        ? { repository: r.code_repository, commit: r.code_commit, ...(r.code_path ? { path: r.code_path } : {}) }
        : null,
    environment: parseJson(r.environment),
    documentation: parseJson(r.documentation),
    description: r.description,
    stage: r.stage as Stage,
    status: statusOut[r.status] ?? 'ready',
    statusMessage: r.status_message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    createdBy: r.created_by,
    revision: r.revision,
    runId: r.run_id,
    runLink: r.run_link,
  };
}

async function hydrate(db: Executor, rows: Row[]): Promise<VersionRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const modelIds = [...new Set(rows.map((r) => r.model_id))];
  const [tags, datasets, aliases, signatures] = await Promise.all([
    tagsOf(db, ids),
    datasetsOf(db, ids),
    aliasesOf(db, modelIds),
    signaturesOf(db, ids),
  ]);
  return rows.map((r) => ({
    ...definitionOf(r, datasets),
    tags: Object.fromEntries(tags.filter((t) => t.model_version_id === r.id).map((t) => [t.key, t.value])),
    aliases: aliases.filter((a) => a.model_id === r.model_id && a.version === r.version).map((a) => a.alias),
    signatures: signatures
      .filter((x) => x.subject_id === r.id)
      .map((x) => ({
        id: x.id,
        name: x.signer_name,
        role: x.role,
        meaning: x.meaning,
        step: x.step,
        signedAt: x.created_at,
      })),
  }));
}

const baseQuery = (db: Executor) =>
  db
    .selectFrom('model_versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .selectAll('v')
    .select('m.name as model_name')
    .where('v.deleted_at', 'is', null);

const rowsByIds = listRead((db, ids) => baseQuery(db).where('v.id', 'in', ids));

export const versionRepo = {
  async get(db: Executor, modelName: string, version: number): Promise<VersionRecord | undefined> {
    const row = await baseQuery(db).where('m.name', '=', modelName).where('v.version', '=', version).executeTakeFirst();
    return row ? (await hydrate(db, [row]))[0] : undefined;
  },

  /**
   * The live versions with these ids as they are defined, by id: without the labels nothing that
   * judges a version reads (three statements fewer for a page of the inventory's statuses).
   */
  async definedByIds(db: Executor, ids: string[]): Promise<Map<string, DefinedVersionRecord>> {
    const out = new Map<string, DefinedVersionRecord>();
    for (const part of chunks([...new Set(ids)], 500)) {
      const rows = await rowsByIds(db, part);
      const datasets =
        rows.length === 0
          ? []
          : await datasetsOf(
              db,
              rows.map((r) => r.id),
            );
      for (const r of rows) out.set(r.id, definitionOf(r, datasets));
    }
    return out;
  },

  /** The live versions with these ids, by id. */
  async byIds(db: Executor, ids: string[]): Promise<Map<string, VersionRecord>> {
    const out = new Map<string, VersionRecord>();
    for (const part of chunks([...new Set(ids)], 500))
      for (const v of await hydrate(db, await rowsByIds(db, part))) out.set(v.id, v);
    return out;
  },

  /**
   * Live versions whose recorded environment names this container image digest, or whose artefact
   * is at this URI: how a workload that names no version is matched to one (admission control).
   */
  async findByDeployable(
    db: Executor,
    by: { imageDigests: string[]; artifactUris: string[] },
  ): Promise<{ model: string; version: number; imageDigest: string | null }[]> {
    if (by.imageDigests.length === 0 && by.artifactUris.length === 0) return [];
    const rows = await db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(['m.name', 'v.version', 'v.environment'])
      .where('v.deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          // The environment is stored as compact JSON: a digest appears exactly as "imageDigest":"sha256:…".
          ...by.imageDigests.map((d) => eb('v.environment', 'like', `%"imageDigest":"${d}"%`)),
          ...(by.artifactUris.length > 0 ? [eb('v.artifact_uri', 'in', by.artifactUris)] : []),
        ]),
      )
      .orderBy('m.name')
      .orderBy('v.version')
      .limit(20)
      .execute();
    return rows.map((r) => {
      const env = parseJson(r.environment) as { imageDigest?: string } | null;
      return { model: r.name, version: r.version, imageDigest: env?.imageDigest ?? null };
    });
  },

  /** Live versions whose artefact has this digest (a lineage run that produced the artefact). */
  async findByArtifactDigest(db: Executor, digest: string): Promise<{ id: string; model: string; version: number }[]> {
    return db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(['v.id', 'm.name as model', 'v.version'])
      .where('v.artifact_digest', '=', digest)
      .where('v.deleted_at', 'is', null)
      .orderBy('m.name')
      .orderBy('v.version')
      .limit(10)
      .execute();
  },

  async list(
    db: Executor,
    modelId: string,
    opts: { afterVersion?: number; limit: number; stage?: Stage },
  ): Promise<VersionRecord[]> {
    let q = baseQuery(db).where('v.model_id', '=', modelId).orderBy('v.version').limit(opts.limit);
    if (opts.afterVersion !== undefined) q = q.where('v.version', '>', opts.afterVersion);
    if (opts.stage) q = q.where('v.stage', '=', opts.stage);
    return hydrate(db, await q.execute());
  },

  async latest(db: Executor, modelId: string): Promise<VersionRecord | undefined> {
    const row = await baseQuery(db)
      .where('v.model_id', '=', modelId)
      .orderBy('v.version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? (await hydrate(db, [row]))[0] : undefined;
  },

  async exists(db: Executor, modelId: string, version: number): Promise<boolean> {
    const row = await db
      .selectFrom('model_versions')
      .select('id')
      .where('model_id', '=', modelId)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Inserts a version with its tags and dataset links; `datasetLinks` are resolved dataset version ids. */
  async insert(tx: Tx, v: VersionRecord, datasetLinks: { datasetVersionId: string; role: string }[]): Promise<void> {
    await insertVersion(tx, [
      {
        id: v.id,
        model_id: v.modelId,
        version: v.version,
        artifact_uri: v.artifactUri,
        artifact_digest: v.artifactDigest,
        framework: v.framework,
        params: JSON.stringify(v.params),
        metrics: JSON.stringify(v.metrics),
        code_repository: v.code?.repository ?? null,
        code_commit: v.code?.commit ?? null,
        code_path: v.code?.path ?? null,
        environment: JSON.stringify(v.environment),
        documentation: JSON.stringify(v.documentation),
        description: v.description,
        stage: v.stage,
        status: v.status,
        status_message: v.statusMessage,
        run_id: v.runId,
        run_link: v.runLink,
        created_at: v.createdAt,
        updated_at: v.updatedAt,
        created_by: v.createdBy,
        deleted_at: null,
        revision: v.revision,
      },
    ]);
    await insertTags(
      tx,
      Object.entries(v.tags).map(([key, value]) => ({ model_version_id: v.id, key, value })),
    );
    if (datasetLinks.length > 0) {
      // The same dataset version may serve in several roles; the same role twice is one link.
      const unique = [...new Map(datasetLinks.map((l) => [`${l.datasetVersionId}|${l.role}`, l])).values()];
      await tx
        .insertInto('version_datasets')
        .values(unique.map((l) => ({ model_version_id: v.id, dataset_version_id: l.datasetVersionId, role: l.role })))
        .execute();
    }
  },

  /** Lifecycle fields set only through recorded actions (stage transitions, registration checks). */
  async setLifecycle(
    tx: Tx,
    id: string,
    set: { stage?: string; status?: string; statusMessage?: string | null },
    now: string,
  ): Promise<void> {
    await tx
      .updateTable('model_versions')
      .set({
        ...(set.stage !== undefined ? { stage: set.stage } : {}),
        ...(set.status !== undefined ? { status: set.status } : {}),
        ...(set.statusMessage !== undefined ? { status_message: set.statusMessage } : {}),
        updated_at: now,
        revision: sql<number>`revision + 1`,
      })
      .where('id', '=', id)
      .execute();
  },

  /** Soft-deletes a version (its number is never reused); the models repository removes its aliases. */
  async softDelete(tx: Tx, v: { id: string; modelId: string; version: number }, now: string): Promise<void> {
    await tx.updateTable('model_versions').set({ deleted_at: now, updated_at: now }).where('id', '=', v.id).execute();
  },

  /** Soft-deletes every live version of a model (the model itself was deleted). */
  async softDeleteOfModel(tx: Tx, modelId: string, now: string): Promise<void> {
    await tx
      .updateTable('model_versions')
      .set({ deleted_at: now })
      .where('model_id', '=', modelId)
      .where('deleted_at', 'is', null)
      .execute();
  },

  /** Versions of a model in one stage. */
  async inStage(db: Executor, modelId: string, stage: string): Promise<{ id: string; version: number }[]> {
    return db
      .selectFrom('model_versions')
      .select(['id', 'version'])
      .where('model_id', '=', modelId)
      .where('stage', '=', stage)
      .where('deleted_at', 'is', null)
      .execute();
  },

  /** Takes the version's row lock before a read-modify-write (see modelRepo.lock). */
  async lock(tx: Tx, modelName: string, version: number): Promise<void> {
    await lockRows(tx, 'model_versions', 'revision')
      .where('model_id', '=', (eb) => eb.selectFrom('models').select('id').where('name', '=', modelName))
      .where('version', '=', version)
      .execute();
  },

  /** The versions' representation changed (their aliases): new revisions, so new ETags. */
  async touch(tx: Tx, modelId: string, versions: number[], now: string): Promise<void> {
    if (versions.length === 0) return;
    await tx
      .updateTable('model_versions')
      .set({ revision: sql<number>`revision + 1`, updated_at: now })
      .where('model_id', '=', modelId)
      .where('version', 'in', versions)
      .execute();
  },

  /** Writes the annotations of a version if its revision is still `expectedRevision`. */
  async updateAnnotations(
    tx: Tx,
    v: VersionRecord,
    expectedRevision: number,
    tagPatch: TagsPatch | undefined,
  ): Promise<boolean> {
    const res = await tx
      .updateTable('model_versions')
      .set({ description: v.description, updated_at: v.updatedAt, revision: v.revision })
      .where('id', '=', v.id)
      .where('revision', '=', expectedRevision)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    for (const [key, value] of Object.entries(tagPatch ?? {})) {
      await tx.deleteFrom('version_tags').where('model_version_id', '=', v.id).where('key', '=', key).execute();
      if (value !== null) await tx.insertInto('version_tags').values({ model_version_id: v.id, key, value }).execute();
    }
    return true;
  },
};

export type VersionRepo = typeof versionRepo;
