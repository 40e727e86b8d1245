import type { Executor, Tx } from '../../db/database.ts';
import { listRead } from '../../db/prepared.ts';
import type { FindingTable, MeasureExceptionTable } from '../../db/schema-findings.ts';

// What weighs in the gates of a page of versions (the inventory's statuses), prepared once.
const openIn = listRead((db, ids) =>
  db.selectFrom('findings').selectAll().where('subject_id', 'in', ids).where('status', '!=', 'closed').orderBy('id'),
);
const validIn = listRead((db, ids, now: string) =>
  db
    .selectFrom('measure_exceptions')
    .selectAll()
    .where('subject_id', 'in', ids)
    .where('status', '=', 'approved')
    .where('expires_at', '>', now)
    .orderBy('id'),
);

export interface FindingFilter {
  subjectId?: string;
  useCaseId?: string;
  status?: string;
  severity?: string;
  after?: string;
  limit: number;
}

/** The findings feature's tables: findings, and exceptions (waivers) of measures. */
export const findingsRepo = {
  async insertFinding(tx: Tx, row: FindingTable): Promise<void> {
    await tx.insertInto('findings').values(row).execute();
  },

  async finding(db: Executor, id: string): Promise<FindingTable | undefined> {
    return db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Writes `set` when the row is still at `revision` (false: someone changed it first). */
  async updateFinding(tx: Tx, id: string, revision: number, set: Partial<FindingTable>): Promise<boolean> {
    const r = await tx
      .updateTable('findings')
      .set({ ...set, revision: revision + 1 })
      .where('id', '=', id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Findings by filter, by id (ids are time-ordered, so newest last), a page after `after`. */
  async findings(db: Executor, f: FindingFilter): Promise<FindingTable[]> {
    let q = db.selectFrom('findings').selectAll();
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    if (f.useCaseId) q = q.where('use_case_id', '=', f.useCaseId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.severity) q = q.where('severity', '=', f.severity);
    if (f.after) q = q.where('id', '>', f.after);
    return q.orderBy('id').limit(f.limit).execute();
  },

  /** Findings not closed on any of these subjects. */
  async openOn(db: Executor, subjectIds: string[]): Promise<FindingTable[]> {
    return openIn(db, subjectIds);
  },

  /** Every finding on these subjects (for documents). */
  async on(db: Executor, subjectIds: string[]): Promise<FindingTable[]> {
    if (subjectIds.length === 0) return [];
    return db.selectFrom('findings').selectAll().where('subject_id', 'in', subjectIds).orderBy('id').execute();
  },

  /** How many findings not closed each of these subjects has (absent: none). */
  async openCounts(db: Executor, subjectIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    // Bounded IN lists: SQLite's parameter limit.
    for (let i = 0; i < subjectIds.length; i += 500) {
      const rows = await db
        .selectFrom('findings')
        .select((eb) => ['subject_id', eb.fn.countAll<number>().as('n')])
        .where('subject_id', 'in', subjectIds.slice(i, i + 500))
        .where('status', '!=', 'closed')
        .groupBy('subject_id')
        .execute();
      for (const r of rows) counts.set(r.subject_id, Number(r.n));
    }
    return counts;
  },

  async insertException(tx: Tx, row: MeasureExceptionTable): Promise<void> {
    await tx.insertInto('measure_exceptions').values(row).execute();
  },

  async exception(db: Executor, id: string): Promise<MeasureExceptionTable | undefined> {
    return db.selectFrom('measure_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Moves an exception out of `from` (false: it was no longer there). */
  async decideException(tx: Tx, id: string, from: string, set: Partial<MeasureExceptionTable>): Promise<boolean> {
    const r = await tx
      .updateTable('measure_exceptions')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async exceptions(db: Executor, f: FindingFilter & { measure?: string }): Promise<MeasureExceptionTable[]> {
    let q = db.selectFrom('measure_exceptions').selectAll();
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    if (f.useCaseId) q = q.where('use_case_id', '=', f.useCaseId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.measure) q = q.where('measure', '=', f.measure);
    if (f.after) q = q.where('id', '>', f.after);
    return q.orderBy('id').limit(f.limit).execute();
  },

  /** Approved exceptions on these subjects not yet expired at `now`. */
  async validOn(db: Executor, subjectIds: string[], now: string): Promise<MeasureExceptionTable[]> {
    return validIn(db, subjectIds, now);
  },

  /** Approved exceptions whose expiry has passed at `now` (the expiry job's work). */
  async due(db: Executor, now: string, limit: number): Promise<MeasureExceptionTable[]> {
    return db
      .selectFrom('measure_exceptions')
      .selectAll()
      .where('status', '=', 'approved')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
  },
};

export type FindingsRepo = typeof findingsRepo;
