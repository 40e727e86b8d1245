import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Tx } from '../../src/db/database.ts';
import { createTransact, createWriteBatcher } from '../../src/db/transact.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

describe.each(DB_KINDS)('write batcher on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'batches', () => {
    let testDb: TestDatabase;
    let handle: DatabaseHandle;
    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      handle = testDb.open();
      await sql`create table t (k text primary key, v integer not null)`.execute(handle.db);
    });
    afterAll(async () => {
      await handle.close();
      await testDb.drop();
    });

    type Write = (tx: Tx) => Promise<void>;
    // Items here are the writes themselves; the batch writes each in turn.
    const eachInTurn = async (tx: Tx, writes: Write[]) => {
      for (const w of writes) await w(tx);
    };

    const keys = async (prefix: string) =>
      (await sql<{ k: string }>`select k from t where k like ${`${prefix}%`} order by k`.execute(handle.db)).rows.map(
        (r) => r.k,
      );

    it('writes that arrive together share one transaction, each resolved once it committed', async () => {
      let transactions = 0;
      const transact = createTransact(handle.db, handle.dialect);
      const counting: typeof transact = Object.assign(
        <T>(fn: (tx: Tx) => Promise<T>) => {
          transactions++;
          return transact(fn);
        },
        { afterCommit: transact.afterCommit },
      );
      const sizes: number[] = [];
      const batched = createWriteBatcher<Write>(counting, async (tx, writes) => {
        sizes.push(writes.length);
        await eachInTurn(tx, writes);
      });
      const seenAtResolve: number[] = [];
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          batched(async (tx) => {
            await sql`insert into t (k, v) values (${`a${String(i).padStart(2, '0')}`}, ${i})`.execute(tx);
          }).then(async () => seenAtResolve.push((await keys('a')).length)),
        ),
      );
      expect(transactions).toBe(1);
      // …and reached the batch's writer together, so it can write them with fewer statements.
      expect(sizes).toEqual([20]);
      // Every caller heard of success only after all twenty rows were committed and visible.
      expect(seenAtResolve.every((n) => n === 20)).toBe(true);
    });

    it('a failing write fails alone: the others are retried one by one and committed', async () => {
      const batched = createWriteBatcher<Write>(createTransact(handle.db, handle.dialect), eachInTurn);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          batched(async (tx) => {
            await sql`insert into t (k, v) values (${`b${i}`}, ${i})`.execute(tx);
            if (i === 3) throw new Error('write 3 refuses');
          }),
        ),
      );
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(await keys('b')).toEqual(['b0', 'b1', 'b2', 'b4', 'b5']);
    });
  });
});
