import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import type { FailureState } from '../../domain/rate-limit.ts';

/** The only writer of `sign_in_limits`: failed sign-ins per account and address, shared by replicas. */
export const signInLimitsRepo = {
  /**
   * The states of `keys`, locked until the transaction ends so that replicas deciding on the same
   * account or address take turns (rows are created first: a missing row cannot be locked).
   */
  async lock(tx: Tx, keys: string[], now: number): Promise<Map<string, FailureState>> {
    const sorted = [...new Set(keys)].sort();
    await tx
      .insertInto('sign_in_limits')
      .values(sorted.map((key) => ({ key, failures: '[]', last_pass: null, updated_at: now })))
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    await lockRows(tx, 'sign_in_limits', 'key').where('key', 'in', sorted).execute();
    const rows = await tx.selectFrom('sign_in_limits').selectAll().where('key', 'in', sorted).execute();
    return new Map(
      rows.map((r) => [
        r.key,
        { failures: JSON.parse(r.failures) as number[], lastPass: r.last_pass === null ? null : Number(r.last_pass) },
      ]),
    );
  },

  /** Saves a key's state; an empty one (nothing remembered) is removed. */
  async save(tx: Tx, key: string, state: FailureState | undefined, now: number): Promise<void> {
    if (!state || (state.failures.length === 0 && state.lastPass === null)) {
      await tx.deleteFrom('sign_in_limits').where('key', '=', key).execute();
      return;
    }
    await tx
      .updateTable('sign_in_limits')
      .set({ failures: JSON.stringify(state.failures), last_pass: state.lastPass, updated_at: now })
      .where('key', '=', key)
      .execute();
  },

  /** Removes those of `keys` that remember nothing (rows `lock` created for a refused attempt). */
  async dropEmpty(tx: Tx, keys: string[]): Promise<void> {
    await tx
      .deleteFrom('sign_in_limits')
      .where('key', 'in', keys)
      .where('failures', '=', '[]')
      .where('last_pass', 'is', null)
      .execute();
  },

  /** Forgets keys untouched since `before` (epoch ms): their failures no longer count. */
  async prune(exec: Executor, before: number): Promise<void> {
    await exec.deleteFrom('sign_in_limits').where('updated_at', '<', before).execute();
  },
};
