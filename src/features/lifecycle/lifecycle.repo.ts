import { chunks, grouped, keyed } from '../../db/chunks.ts';
import { CURRENT } from '../../db/partial.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import { listRead, prepared } from '../../db/prepared.ts';
import type {
  DeploymentTable,
  LifecycleStateTable,
  PromotionTable,
  SignatureTable,
  TaskTable,
  UseCaseDocumentTable,
  UseCaseStateTable,
} from '../../db/schema.ts';
import { DomainError } from '../../errors.ts';

export interface VersionOwner {
  versionId: string;
  modelId: string;
  useCaseId: string;
  team: string;
}

const governedVersion = prepared((db, p: { versionId: string }) =>
  db
    .selectFrom('model_versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .innerJoin('assessments as a', 'a.use_case_id', 'm.use_case_id')
    .select('a.id')
    .where('v.id', '=', p.versionId)
    .where('a.current', '=', CURRENT),
);
// Asked of every version registered (built once).
const governedModel = prepared((db, p: { modelId: string }) =>
  db
    .selectFrom('models as m')
    .innerJoin('assessments as a', 'a.use_case_id', 'm.use_case_id')
    .select('a.id')
    .where('m.id', '=', p.modelId)
    .where('a.current', '=', CURRENT),
);
// Governance reads of a page of versions and their use cases, prepared once.
const statesIn = listRead((db, ids) =>
  db.selectFrom('lifecycle_states').selectAll().where('model_version_id', 'in', ids),
);
const signaturesIn = listRead((db, ids) =>
  db.selectFrom('signatures').selectAll().where('subject_id', 'in', ids).orderBy('created_at').orderBy('id'),
);
const activeDeploymentsIn = listRead((db, ids) =>
  db
    .selectFrom('deployments')
    .selectAll()
    .where('active_key', 'is not', null)
    .where('model_version_id', 'in', ids)
    .orderBy('since'),
);
const deployedOfModels = listRead((db, modelIds) =>
  db
    .selectFrom('deployments')
    .select('model_version_id')
    .where('active_key', 'is not', null)
    .where('model_id', 'in', modelIds),
);
const useCaseDocumentsIn = listRead((db, ids) =>
  db.selectFrom('use_case_documents').selectAll().where('use_case_id', 'in', ids).orderBy('created_at').orderBy('id'),
);

/** The filters of the inbox, shared by its listing and its count. */
export interface InboxFilter {
  status?: string;
  dueBefore?: string;
  assignee?: string;
}

/** The tasks of any of the (team, role) pairs given (`*` as team matches every team), filtered. */
function inboxTasks(db: Executor, assignments: { team: string; role: string }[], opts: InboxFilter) {
  let q = db
    .selectFrom('tasks')
    .where((eb) =>
      eb.or(
        assignments.map((a) =>
          a.team === '*' ? eb('role', '=', a.role) : eb.and([eb('team', '=', a.team), eb('role', '=', a.role)]),
        ),
      ),
    );
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.dueBefore) q = q.where('due_at', '<', opts.dueBefore);
  if (opts.assignee) q = q.where('assignee', '=', opts.assignee);
  return q;
}

export const lifecycleRepo = {
  /** The live version with the model, use case and team that govern it. */
  async owner(db: Executor, model: string, version: number): Promise<VersionOwner | undefined> {
    return (await lifecycleRepo.owners(db, [{ model, version }])).get(`${model}/${version}`);
  },

  /** The live versions named (model, version), with what governs each, keyed `model/version`. */
  async owners(db: Executor, versions: { model: string; version: number }[]): Promise<Map<string, VersionOwner>> {
    const out = new Map<string, VersionOwner>();
    const wanted = new Set(versions.map((v) => `${v.model}/${v.version}`));
    const models = [...new Set(versions.map((v) => v.model))];
    for (const part of chunks(models, 500)) {
      const rows = await db
        .selectFrom('model_versions as v')
        .innerJoin('models as m', 'm.id', 'v.model_id')
        .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
        .select(['v.id', 'v.version', 'm.name', 'm.id as model_id', 'u.id as use_case_id', 'u.owner_team'])
        .where('m.name', 'in', part)
        .where('v.version', 'in', [...new Set(versions.map((v) => v.version))])
        .where('v.deleted_at', 'is', null)
        .execute();
      for (const r of rows)
        if (wanted.has(`${r.name}/${r.version}`))
          out.set(`${r.name}/${r.version}`, {
            versionId: r.id,
            modelId: r.model_id,
            useCaseId: r.use_case_id,
            team: r.owner_team,
          });
    }
    return out;
  },

  async useCase(
    db: Executor,
    id: string,
  ): Promise<{ id: string; name: string; team: string; createdBy: string | null; regions: string[] } | undefined> {
    return (await lifecycleRepo.useCasesOf(db, [id])).get(id);
  },

  /** Each of these use cases that exists (what governance reads of it), by id. */
  async useCasesOf(db: Executor, ids: string[]) {
    const rows = await keyed(
      ids,
      (part) =>
        db
          .selectFrom('use_cases')
          .select(['id', 'name', 'owner_team', 'created_by', 'regions'])
          .where('id', 'in', part)
          .execute(),
      (r) => r.id,
    );
    return new Map(
      [...rows].map(([id, row]) => [
        id,
        {
          id: row.id,
          name: row.name,
          team: row.owner_team,
          createdBy: row.created_by,
          regions: JSON.parse(row.regions) as string[],
        },
      ]),
    );
  },

  /** Serialises sign-offs on a use case (row lock on PostgreSQL). */
  async lockUseCase(tx: Tx, id: string): Promise<void> {
    await lockRows(tx, 'use_cases', 'revision').where('id', '=', id).execute();
  },

  async useCaseState(db: Executor, useCaseId: string): Promise<UseCaseStateTable | undefined> {
    return db.selectFrom('use_case_states').selectAll().where('use_case_id', '=', useCaseId).executeTakeFirst();
  },

  async setUseCaseState(tx: Tx, s: UseCaseStateTable): Promise<void> {
    const n = await tx
      .updateTable('use_case_states')
      .set({ process_id: s.process_id, step: s.step, entered_at: s.entered_at, entered_by: s.entered_by })
      .where('use_case_id', '=', s.use_case_id)
      .executeTakeFirst();
    if (Number(n.numUpdatedRows) === 0) await tx.insertInto('use_case_states').values(s).execute();
  },

  async useCaseDocuments(db: Executor, useCaseId: string): Promise<UseCaseDocumentTable[]> {
    return (await lifecycleRepo.useCaseDocumentsOf(db, [useCaseId])).get(useCaseId)!;
  },

  /** Each use case's documents, oldest first, by use case id. */
  async useCaseDocumentsOf(db: Executor, useCaseIds: string[]): Promise<Map<string, UseCaseDocumentTable[]>> {
    return grouped(
      useCaseIds,
      (part) => useCaseDocumentsIn(db, part),
      (d) => d.use_case_id,
    );
  },

  async insertUseCaseDocument(tx: Tx, d: UseCaseDocumentTable): Promise<void> {
    await tx.insertInto('use_case_documents').values(d).execute();
  },

  /** Every live version of the use case's models. */
  async versionsOfUseCase(db: Executor, useCaseId: string): Promise<{ model: string; version: number }[]> {
    return db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(['m.name as model', 'v.version'])
      .where('m.use_case_id', '=', useCaseId)
      .where('v.deleted_at', 'is', null)
      .orderBy('m.name')
      .orderBy('v.version')
      .execute();
  },

  /** Whether the version's use case has a current assessment (is governed), without loading anything else. */
  async governed(db: Executor, versionId: string): Promise<boolean> {
    return (await governedVersion(db, { versionId })).rows.length > 0;
  },

  /** Whether the model's use case has a current assessment (its versions are governed). */
  async modelGoverned(db: Executor, modelId: string): Promise<boolean> {
    return (await governedModel(db, { modelId })).rows.length > 0;
  },

  /** The model name and version number of a version id. */
  async names(db: Executor, versionId: string): Promise<{ model: string; version: number } | undefined> {
    const row = await db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .select(['m.name', 'v.version'])
      .where('v.id', '=', versionId)
      .executeTakeFirst();
    return row && { model: row.name, version: row.version };
  },

  async state(db: Executor, versionId: string): Promise<LifecycleStateTable | undefined> {
    return db.selectFrom('lifecycle_states').selectAll().where('model_version_id', '=', versionId).executeTakeFirst();
  },

  /** The lifecycle state of each of `versionIds` that has entered a process. */
  async statesOf(db: Executor, versionIds: string[]): Promise<Map<string, LifecycleStateTable>> {
    return keyed(
      versionIds,
      (ids) => statesIn(db, ids),
      (r) => r.model_version_id,
    );
  },

  async setState(tx: Tx, s: LifecycleStateTable): Promise<void> {
    const n = await tx
      .updateTable('lifecycle_states')
      .set({ process_id: s.process_id, step: s.step, entered_at: s.entered_at, entered_by: s.entered_by })
      .where('model_version_id', '=', s.model_version_id)
      .executeTakeFirst();
    if (Number(n.numUpdatedRows) === 0) await tx.insertInto('lifecycle_states').values(s).execute();
  },

  /** Signatures of a model version or a use case (ids are distinct UUIDs either way). */
  async signatures(db: Executor, subjectId: string): Promise<SignatureTable[]> {
    return (await lifecycleRepo.signaturesOf(db, [subjectId])).get(subjectId)!;
  },

  /** The signatures of each of `subjectIds` (versions or use cases), oldest first. */
  async signaturesOf(db: Executor, subjectIds: string[]): Promise<Map<string, SignatureTable[]>> {
    return grouped(
      subjectIds,
      (ids) => signaturesIn(db, ids),
      (r) => r.subject_id,
    );
  },

  async insertSignature(tx: Tx, s: SignatureTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('signatures').values(s).execute(), {
      unique: () =>
        new DomainError(
          'conflict',
          `${s.signer_name} has already signed this version's current state as ${s.role} with meaning '${s.meaning}'`,
        ),
    });
  },

  async setSignatureAuditSeq(tx: Tx, id: string, seq: number): Promise<void> {
    await tx.updateTable('signatures').set({ audit_seq: seq }).where('id', '=', id).execute();
  },

  async promotions(db: Executor, versionId: string): Promise<PromotionTable[]> {
    return db
      .selectFrom('promotions')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .orderBy('requested_at')
      .orderBy('id')
      .execute();
  },

  async promotion(db: Executor, id: string): Promise<PromotionTable | undefined> {
    return db.selectFrom('promotions').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async insertPromotion(tx: Tx, p: PromotionTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('promotions').values(p).execute(), {
      unique: () => new DomainError('conflict', `a promotion of this version to ${p.environment} is already open`),
    });
  },

  async updatePromotion(
    tx: Tx,
    id: string,
    set: Partial<Pick<PromotionTable, 'status' | 'blockers' | 'decided_at' | 'open_key'>>,
  ): Promise<void> {
    await tx.updateTable('promotions').set(set).where('id', '=', id).execute();
  },

  async activeDeployments(
    db: Executor,
    where: { modelId?: string; versionId?: string; environment?: string },
  ): Promise<DeploymentTable[]> {
    let q = db.selectFrom('deployments').selectAll().where('active_key', 'is not', null);
    if (where.modelId) q = q.where('model_id', '=', where.modelId);
    if (where.versionId) q = q.where('model_version_id', '=', where.versionId);
    if (where.environment) q = q.where('environment', '=', where.environment);
    return q.orderBy('since').execute();
  },

  /** The versions of these models deployed somewhere now. */
  async deployedVersionsOf(db: Executor, modelIds: string[]): Promise<string[]> {
    return (await deployedOfModels(db, modelIds)).map((r) => r.model_version_id);
  },

  /** The active deployments of each of `versionIds`, oldest first. */
  async activeDeploymentsOf(db: Executor, versionIds: string[]): Promise<Map<string, DeploymentTable[]>> {
    return grouped(
      versionIds,
      (ids) => activeDeploymentsIn(db, ids),
      (r) => r.model_version_id,
    );
  },

  async deploymentsOf(db: Executor, versionId: string): Promise<DeploymentTable[]> {
    return db
      .selectFrom('deployments')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .orderBy('since')
      .orderBy('id')
      .execute();
  },

  async endDeployment(tx: Tx, id: string, at: string): Promise<void> {
    await tx.updateTable('deployments').set({ until: at, active_key: null }).where('id', '=', id).execute();
  },

  async insertDeployment(tx: Tx, d: DeploymentTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('deployments').values(d).execute(), {
      unique: () =>
        new DomainError(
          'conflict',
          `another deployment to ${d.environment} (${d.mode}) was recorded at the same moment; retry`,
        ),
    });
  },

  async verifyDeployment(tx: Tx, id: string, by: string, at: string): Promise<void> {
    await tx.updateTable('deployments').set({ verified_by: by, verified_at: at }).where('id', '=', id).execute();
  },

  async insertTasks(tx: Tx, tasks: TaskTable[]): Promise<void> {
    if (tasks.length > 0) await tx.insertInto('tasks').values(tasks).execute();
  },

  /** Open tasks of a model version or a use case. */
  async openTasks(db: Executor, subjectId: string): Promise<TaskTable[]> {
    return db
      .selectFrom('tasks')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('status', '=', 'open')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  },

  async closeTasks(tx: Tx, ids: string[], by: string | null, at: string, status: 'done' | 'cancelled'): Promise<void> {
    if (ids.length > 0)
      await tx
        .updateTable('tasks')
        .set({ status, closed_at: at, closed_by: by })
        .where('id', 'in', ids)
        .where('status', '=', 'open')
        .execute();
  },

  /**
   * Assigns an open task to a person, or unassigns it (null); false when the task is no longer
   * open. The notifications feature assigns through this, the lifecycle owns the table.
   */
  async assignTask(
    tx: Tx,
    id: string,
    assignee: { id: string; username: string } | null,
    at: string,
  ): Promise<boolean> {
    const r = await tx
      .updateTable('tasks')
      .set({
        assignee: assignee?.id ?? null,
        assignee_name: assignee?.username ?? null,
        assigned_at: assignee ? at : null,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async task(db: Executor, id: string): Promise<TaskTable | undefined> {
    return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Tasks for any of the (team, role) pairs given; `*` as team matches every team. */
  async inbox(
    db: Executor,
    assignments: { team: string; role: string }[],
    opts: InboxFilter & { limit: number; after?: string },
  ): Promise<TaskTable[]> {
    if (assignments.length === 0) return [];
    let q = inboxTasks(db, assignments, opts).selectAll();
    if (opts.after) q = q.where('id', '>', opts.after);
    return q.orderBy('id').limit(opts.limit).execute();
  },

  /** How many tasks `inbox` would list without a limit: one COUNT, no rows read out. */
  async inboxCount(db: Executor, assignments: { team: string; role: string }[], opts: InboxFilter): Promise<number> {
    if (assignments.length === 0) return 0;
    const row = await inboxTasks(db, assignments, opts)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    // PostgreSQL answers a count as a bigint string, SQLite as a number.
    return Number(row.n);
  },

  /**
   * What task subjects are called: model and version, or the use case's name; the use case a
   * version serves; and who created the subject (not independent of it).
   */
  async subjectNames(db: Executor, ids: string[]): Promise<Map<string, SubjectNames>> {
    if (ids.length === 0) return new Map();
    const versions = await db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .select(['v.id', 'm.name', 'v.version', 'v.created_by', 'u.id as use_case_id', 'u.name as use_case'])
      .where('v.id', 'in', ids)
      .execute();
    const cases = await db
      .selectFrom('use_cases')
      .select(['id', 'name', 'created_by'])
      .where('id', 'in', ids)
      .execute();
    return new Map<string, SubjectNames>([
      ...versions.map(
        (r) =>
          [
            r.id,
            {
              model: r.name,
              version: r.version,
              useCase: r.use_case,
              useCaseId: r.use_case_id,
              createdBy: r.created_by,
            },
          ] as const,
      ),
      ...cases.map((c) => [c.id, { useCase: c.name, useCaseId: c.id, createdBy: c.created_by }] as const),
    ]);
  },
};

export type LifecycleRepo = typeof lifecycleRepo;

export interface SubjectNames {
  model?: string;
  version?: number;
  useCase?: string;
  useCaseId?: string;
  createdBy?: string | null;
}
