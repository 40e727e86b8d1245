import type { Executor, Tx } from '../../db/database.ts';
import type { AttestationTable } from '../../db/schema-attestations.ts';
import { listRead } from '../../db/prepared.ts';

// The campaigns' rows of a page of use cases (the inventory's attestation column), prepared once:
// newest first within each use case (a list of over 500 is read in parts, each use case in one).
const attestationsOf = listRead((db, useCaseIds) =>
  db
    .selectFrom('attestations')
    .selectAll()
    .where('use_case_id', 'in', useCaseIds)
    .orderBy('due_on', 'desc')
    .orderBy('id', 'desc'),
);

export interface AttestationFilter {
  useCaseId?: string;
  team?: string;
  kind?: string;
  status?: string;
  /** Open attestations due before this day. */
  overdueBefore?: string;
  after?: string;
  limit: number;
}

/** The attestations feature's one table. */
export const attestationsRepo = {
  /** Inserts a campaign row unless its cycle key exists; true when this call inserted it. */
  async open(tx: Tx, row: AttestationTable): Promise<boolean> {
    const r = await tx
      .insertInto('attestations')
      .values(row)
      .onConflict((oc) => oc.columns(['use_case_id', 'kind', 'due_on']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  async get(db: Executor, id: string): Promise<AttestationTable | undefined> {
    return db.selectFrom('attestations').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async update(tx: Tx, id: string, set: Partial<AttestationTable>): Promise<void> {
    await tx.updateTable('attestations').set(set).where('id', '=', id).execute();
  },

  /** Records a decision on an open row; false when it was decided meanwhile. */
  async decide(tx: Tx, id: string, set: Partial<AttestationTable>): Promise<boolean> {
    const r = await tx
      .updateTable('attestations')
      .set({ ...set, status: 'decided' })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Rows by filter, by id (ids are time-ordered), a page after `after`. */
  async list(db: Executor, f: AttestationFilter): Promise<AttestationTable[]> {
    let q = db.selectFrom('attestations').selectAll();
    if (f.useCaseId) q = q.where('use_case_id', '=', f.useCaseId);
    if (f.team) q = q.where('team', '=', f.team);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.overdueBefore) q = q.where('status', '=', 'open').where('due_on', '<', f.overdueBefore);
    if (f.after) q = q.where('id', '>', f.after);
    return q.orderBy('id').limit(f.limit).execute();
  },

  /** Every row of these use cases, each use case's latest cycle first (what a campaign and the inventory read). */
  async ofUseCases(db: Executor, useCaseIds: string[]): Promise<AttestationTable[]> {
    return attestationsOf(db, useCaseIds);
  },

  /** Open rows not reminded yet and not yet late on `today`, a page after `after`. */
  async unreminded(db: Executor, today: string, after: string | undefined, limit: number): Promise<AttestationTable[]> {
    let q = db
      .selectFrom('attestations')
      .selectAll()
      .where('status', '=', 'open')
      .where('reminded_at', 'is', null)
      .where('due_on', '>=', today);
    if (after) q = q.where('id', '>', after);
    return q.orderBy('id').limit(limit).execute();
  },

  /** Open rows due before `today` that were not escalated yet, a page after `after`. */
  async unescalated(
    db: Executor,
    today: string,
    after: string | undefined,
    limit: number,
  ): Promise<AttestationTable[]> {
    let q = db
      .selectFrom('attestations')
      .selectAll()
      .where('status', '=', 'open')
      .where('escalated_at', 'is', null)
      .where('due_on', '<', today);
    if (after) q = q.where('id', '>', after);
    return q.orderBy('id').limit(limit).execute();
  },

  /** Marks a row reminded (or escalated); false when another run did first. */
  async mark(tx: Tx, id: string, column: 'reminded_at' | 'escalated_at', at: string): Promise<boolean> {
    const r = await tx
      .updateTable('attestations')
      .set({ [column]: at })
      .where('id', '=', id)
      .where(column, 'is', null)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Open rows, open rows past due, and rows decided (on time) for the KPI. */
  async counts(
    db: Executor,
    today: string,
  ): Promise<{ open: number; overdue: number; decided: number; onTime: number }> {
    const row = await db
      .selectFrom('attestations')
      .select((eb) => [
        eb.fn.sum<number>(eb.case().when('status', '=', 'open').then(1).else(0).end()).as('open'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.and([eb('status', '=', 'open'), eb('due_on', '<', today)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('overdue'),
        eb.fn.sum<number>(eb.case().when('status', '=', 'decided').then(1).else(0).end()).as('decided'),
        eb.fn
          .sum<number>(
            eb
              .case()
              // decided_at is a timestamp; its day is its first ten characters.
              .when(
                eb.and([
                  eb('status', '=', 'decided'),
                  eb(eb.fn('substr', ['decided_at', eb.lit(1), eb.lit(10)]), '<=', eb.ref('due_on')),
                ]),
              )
              .then(1)
              .else(0)
              .end(),
          )
          .as('on_time'),
      ])
      .executeTakeFirstOrThrow();
    return {
      open: Number(row.open ?? 0),
      overdue: Number(row.overdue ?? 0),
      decided: Number(row.decided ?? 0),
      onTime: Number(row.on_time ?? 0),
    };
  },
};

export type AttestationsRepo = typeof attestationsRepo;
