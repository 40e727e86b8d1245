import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Executor } from '../../src/db/database.ts';
import { listRead } from '../../src/db/prepared.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

// A read built once per list size must answer exactly as the same query built anew each time:
// every key and argument bound where it belongs, on either engine and inside a transaction.
describe.each(DB_KINDS)('prepared list reads on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'reads', () => {
    let testDb: TestDatabase;
    let handle: DatabaseHandle;
    // The schema's types do not know this scratch table: the reads go through an untyped view.
    const untyped = (exec: Executor) => exec as unknown as Kysely<Record<string, { k: string; g: string; n: number }>>;
    // One query, built both ways: once per size through listRead, and anew for every call.
    const query = (exec: Executor, keys: string[], group: string, after: string) =>
      untyped(exec)
        .selectFrom('prepared_rows')
        .select(['k', 'g', 'n'])
        .where('k', 'in', keys)
        .where('g', '=', group)
        .where('k', '>', after)
        .where('n', '>=', 0)
        .orderBy('k');
    let builds = 0;
    const byKeys = listRead((exec, keys: string[], group: string, after: string) => {
      builds++;
      return query(exec, keys, group, after);
    });
    const fresh = async (exec: Executor, keys: string[], group: string, after: string) =>
      keys.length === 0 ? [] : query(exec, keys, group, after).execute();

    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      handle = testDb.open();
      await sql`create table prepared_rows (k text primary key, g text not null, n integer not null)`.execute(
        handle.db,
      );
      for (let i = 0; i < 40; i++)
        await sql`insert into prepared_rows values (${`k${String(i).padStart(2, '0')}`}, ${i % 2 ? 'odd' : 'even'}, ${i})`.execute(
          handle.db,
        );
    });
    afterAll(async () => {
      await handle.close();
      await testDb.drop();
    });

    it('answers as the query built anew for every list size, key order, argument and repeat', async () => {
      const all = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      for (const n of [1, 2, 3, 5, 8, 9, 17, 33, 40])
        for (const group of ['odd', 'even'])
          for (const after of ['', 'k10', 'k30']) {
            // Keys in a shuffled order, with one not in the table and one repeated.
            const keys = [...all.slice(0, n).reverse(), 'missing', all[0]!];
            expect(await byKeys(handle.db, keys, group, after)).toEqual(await fresh(handle.db, keys, group, after));
          }
      // Built once per power-of-two size (1 to 64 keys: 1, 2, 4, 8, 16, 32, 64), not once per call.
      expect(builds).toBeLessThanOrEqual(7);
    });

    it('reads a list longer than one statement binds in parts, each key with its rows', async () => {
      const keys = [
        // Padded to a power of two in one statement, 17,340 keys would bind 32,768: past SQLite's limit.
        ...Array.from({ length: 17_000 }, (_, i) => `absent-${i}`),
        ...Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`),
        ...Array.from({ length: 300 }, (_, i) => `absent-again-${i}`),
      ];
      const rows = await byKeys(handle.db, keys, 'even', '');
      // Ordered within each part: the 40 present keys fall in one part here, so in the query's order.
      expect(rows).toEqual(await fresh(handle.db, keys, 'even', ''));
      expect(rows).toHaveLength(20);
    });

    it('reads nothing for no keys, and reads inside a transaction what the transaction wrote', async () => {
      expect(await byKeys(handle.db, [], 'odd', '')).toEqual([]);
      await handle.db
        .transaction()
        .execute(async (tx) => {
          await sql`insert into prepared_rows values ('z-new', 'odd', 99)`.execute(tx);
          expect(await byKeys(tx, ['z-new'], 'odd', '')).toEqual([{ k: 'z-new', g: 'odd', n: 99 }]);
          throw new Error('roll back');
        })
        .catch(() => {});
      expect(await byKeys(handle.db, ['z-new'], 'odd', '')).toEqual([]);
    });

    it('refuses a build that does not bind every key and argument (it would drop them silently)', async () => {
      const unbound = listRead((exec, _keys: string[], group: string) =>
        untyped(exec).selectFrom('prepared_rows').select('k').where('g', '=', group).where('k', 'in', ['fixed']),
      );
      await expect(unbound(handle.db, ['k01'], 'odd')).rejects.toThrow(/key 0 is not bound/);
      const ignoresArg = listRead((exec, keys: string[], _group: string) =>
        untyped(exec).selectFrom('prepared_rows').select('k').where('k', 'in', keys),
      );
      await expect(ignoresArg(handle.db, ['k01'], 'odd')).rejects.toThrow(/argument 0 is not bound/);
    });
  });
});
