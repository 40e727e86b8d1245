import type { Executor, Tx } from '../../db/database.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { PolicyAcknowledgementTable, TrainingCompletionTable } from '../../db/schema.ts';
import { conflict } from '../../errors.ts';

/** The training tables: completions and policy acknowledgements. */
export const trainingsRepo = {
  async insertCompletions(tx: Tx, rows: TrainingCompletionTable[]): Promise<void> {
    // In slices: PostgreSQL caps bind parameters per statement, an import may carry thousands of rows.
    for (let i = 0; i < rows.length; i += 500)
      await tx
        .insertInto('training_completions')
        .values(rows.slice(i, i + 500))
        .execute();
  },

  /** Every completion of the users, newest first within each training. */
  async completionsOf(db: Executor, userIds: string[]): Promise<TrainingCompletionTable[]> {
    if (userIds.length === 0) return [];
    const rows: TrainingCompletionTable[] = [];
    for (let i = 0; i < userIds.length; i += 500)
      rows.push(
        ...(await db
          .selectFrom('training_completions')
          .selectAll()
          .where('user_id', 'in', userIds.slice(i, i + 500))
          .orderBy('user_id')
          .orderBy('training_id')
          .orderBy('completed_on', 'desc')
          .orderBy('recorded_at', 'desc')
          .execute()),
      );
    return rows;
  },

  /** The latest completion day of each training the user completed. */
  async latestOf(db: Executor, userId: string): Promise<Map<string, string>> {
    const rows = await db
      .selectFrom('training_completions')
      .select(['training_id', (eb) => eb.fn.max('completed_on').as('completed_on')])
      .where('user_id', '=', userId)
      .groupBy('training_id')
      .execute();
    return new Map(rows.map((r) => [r.training_id, String(r.completed_on)]));
  },

  async insertAcknowledgement(tx: Tx, row: PolicyAcknowledgementTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('policy_acknowledgements').values(row).execute(), {
      unique: () => conflict('you already acknowledged this policy pack version'),
    });
  },

  async acknowledgementsOf(db: Executor, userId: string): Promise<PolicyAcknowledgementTable[]> {
    return db
      .selectFrom('policy_acknowledgements')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('signed_at', 'desc')
      .execute();
  },

  async acknowledgementsOfPack(db: Executor, packId: string): Promise<PolicyAcknowledgementTable[]> {
    return db
      .selectFrom('policy_acknowledgements')
      .selectAll()
      .where('pack_id', '=', packId)
      .orderBy('signed_at')
      .execute();
  },
};

export type TrainingsRepo = typeof trainingsRepo;
