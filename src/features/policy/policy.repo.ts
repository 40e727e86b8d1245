import { sql } from 'kysely';
import { ACTIVE, CURRENT } from '../../db/partial.ts';
import { grouped, keyed } from '../../db/chunks.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import { listRead, prepared } from '../../db/prepared.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { AssessmentTable, PolicyPackTable } from '../../db/schema.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { conflict } from '../../errors.ts';

// The current ethical position, read with every governed page's alignments: prepared once.
const latestPositionRow = prepared((db, _: Record<string, never>) =>
  db.selectFrom('ethical_positions').selectAll().orderBy('version', 'desc').limit(1),
);
// The policy reads of a page of use cases (the inventory's statuses), prepared once.
const currentAssessmentsIn = listRead((db, ids) =>
  db
    .selectFrom('assessments')
    .selectAll()
    .where('use_case_id', 'in', ids)
    // "+current": without statistics SQLite took the (current, review_by) index for this and
    // read every current assessment (1 ms for ten use cases); by use case it reads ten.
    .where(sql<number>`+current`, '=', 1),
);
const alignmentsIn = listRead((db, ids) =>
  db
    .selectFrom('ethical_alignments')
    .selectAll()
    .where('use_case_id', 'in', ids)
    .orderBy('use_case_id')
    .orderBy('position_version'),
);

export const policyRepo = {
  async insertPack(tx: Tx, row: PolicyPackTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('policy_packs').values(row).execute(), {
      unique: () =>
        conflict(
          `policy pack '${row.name}' version ${row.version} already exists; packs are immutable, upload a new version`,
        ),
    });
  },

  async pack(db: Executor, id: string): Promise<PolicyPackTable | undefined> {
    return db.selectFrom('policy_packs').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async activePack(db: Executor): Promise<PolicyPackTable | undefined> {
    return db.selectFrom('policy_packs').selectAll().where('status', '=', ACTIVE).executeTakeFirst();
  },

  async packs(db: Executor): Promise<Omit<PolicyPackTable, 'content'>[]> {
    return db
      .selectFrom('policy_packs')
      .select(['id', 'name', 'version', 'digest', 'status', 'created_at', 'created_by', 'activated_at', 'activated_by'])
      .orderBy('created_at')
      .execute();
  },

  /** Every stored pack, parsed (assessments may rest on packs other than the active one). */
  async packContents(db: Executor): Promise<PolicyPack[]> {
    const rows = await db.selectFrom('policy_packs').select('content').execute();
    return rows.map((r) => JSON.parse(r.content) as PolicyPack);
  },

  async countPacks(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('policy_packs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /**
   * Takes the active pack's row lock: assessments and activations serialise on it, so an
   * assessment never lands under a pack that is being replaced without being re-evaluated.
   */
  async lockActivePack(tx: Tx): Promise<void> {
    await lockRows(tx, 'policy_packs', 'status').where('status', '=', ACTIVE).execute();
  },

  /** Retires the active pack and activates `id`, in that order (one active pack at a time). */
  async activate(tx: Tx, id: string, at: string, by: string | null, signature: string | null): Promise<void> {
    await tx.updateTable('policy_packs').set({ status: 'retired' }).where('status', '=', ACTIVE).execute();
    await translateConstraints(
      () =>
        tx
          .updateTable('policy_packs')
          .set({ status: 'active', activated_at: at, activated_by: by, activation_signature: signature })
          .where('id', '=', id)
          .execute(),
      {
        unique: () =>
          conflict('another policy pack was activated at the same moment; check which one is active and retry'),
      },
    );
  },

  async insertAssessment(tx: Tx, row: AssessmentTable): Promise<void> {
    await tx
      .updateTable('assessments')
      .set({ current: 0 })
      .where('use_case_id', '=', row.use_case_id)
      .where('current', '=', CURRENT)
      .execute();
    await tx.insertInto('assessments').values(row).execute();
  },

  async currentAssessment(db: Executor, useCaseId: string): Promise<AssessmentTable | undefined> {
    return (await policyRepo.currentAssessmentsOf(db, [useCaseId])).get(useCaseId);
  },

  /** The current assessment of each of these use cases that has one, by use case id. */
  async currentAssessmentsOf(db: Executor, useCaseIds: string[]): Promise<Map<string, AssessmentTable>> {
    return keyed(
      useCaseIds,
      (part) => currentAssessmentsIn(db, part),
      (a) => a.use_case_id,
    );
  },

  async assessments(db: Executor, useCaseId: string): Promise<AssessmentTable[]> {
    return db
      .selectFrom('assessments')
      .selectAll()
      .where('use_case_id', '=', useCaseId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  },

  async currentAssessments(db: Executor, opts: { reviewBefore?: string } = {}): Promise<AssessmentTable[]> {
    let q = db.selectFrom('assessments').selectAll().where('current', '=', CURRENT).orderBy('review_by').orderBy('id');
    if (opts.reviewBefore) q = q.where('review_by', '<', opts.reviewBefore);
    return q.execute();
  },

  async updateAssessment(tx: Tx, id: string, changes: Partial<AssessmentTable>): Promise<void> {
    await tx.updateTable('assessments').set(changes).where('id', '=', id).execute();
  },

  /** Takes a use case's current assessment row lock before a read-modify-write. */
  async lockCurrent(tx: Tx, useCaseId: string): Promise<void> {
    await lockRows(tx, 'assessments', 'current')
      .where('use_case_id', '=', useCaseId)
      .where('current', '=', CURRENT)
      .execute();
  },

  async latestPosition(
    db: Executor,
  ): Promise<{ version: number; content: string; created_at: string; created_by: string | null } | undefined> {
    return (await latestPositionRow(db, {})).rows[0];
  },

  async positions(db: Executor) {
    return db.selectFrom('ethical_positions').selectAll().orderBy('version').execute();
  },

  async insertPosition(
    tx: Tx,
    row: { version: number; content: string; created_at: string; created_by: string | null },
  ): Promise<void> {
    await translateConstraints(() => tx.insertInto('ethical_positions').values(row).execute(), {
      unique: () => conflict('another version of the ethical position was saved at the same time; retry'),
    });
  },

  async upsertAlignment(
    tx: Tx,
    row: {
      use_case_id: string;
      position_version: number;
      statement: string;
      recorded_at: string;
      recorded_by: string | null;
    },
  ): Promise<void> {
    await tx
      .insertInto('ethical_alignments')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['use_case_id', 'position_version'])
          .doUpdateSet({ statement: row.statement, recorded_at: row.recorded_at, recorded_by: row.recorded_by }),
      )
      .execute();
  },

  async alignments(db: Executor, useCaseId: string) {
    return (await policyRepo.alignmentsOf(db, [useCaseId])).get(useCaseId)!;
  },

  /** Each use case's alignments, oldest position first, by use case id. */
  async alignmentsOf(db: Executor, useCaseIds: string[]) {
    return grouped(
      useCaseIds,
      (part) => alignmentsIn(db, part),
      (a) => a.use_case_id,
    );
  },
};

export type PolicyRepo = typeof policyRepo;
