import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directStatements, type DatabaseHandle, type Executor } from '../../src/db/database.ts';
import { listRead, prepared, preparedInsert } from '../../src/db/prepared.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

// A read built once per list size must answer exactly as the same query built anew each time:
// every key and argument bound where it belongs, on either engine and inside a transaction.
describe.each(DB_KINDS)('prepared reads and statements on %s', (kind) => {
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

    // Statements of the write path: built once, then bound with each call's values.
    type Row = { k: string; g: string; n: number; note: string | null };
    const notes = (exec: Executor) => exec as unknown as Kysely<Record<'prepared_notes', Row>>;

    it('writes and reads as the statement built anew, with nulls, numbers and several row counts', async () => {
      await sql`create table prepared_notes (k text primary key, g text not null, n integer not null, note text)`.execute(
        handle.db,
      );
      let builds = 0;
      const insertOne = prepared((exec, r: Row) => {
        builds++;
        return notes(exec).insertInto('prepared_notes').values({ k: r.k, g: r.g, n: r.n, note: r.note });
      });
      const insertMany = prepared((exec, p: Record<string, string | number>, n) => {
        builds++;
        return notes(exec)
          .insertInto('prepared_notes')
          .values(
            Array.from({ length: n }, (_, i) => ({
              k: p[`k${i}`] as string,
              g: 'many',
              n: p[`n${i}`] as number,
              note: null,
            })),
          );
      });
      const bump = prepared((exec, p: { by: number; g: string }) =>
        notes(exec)
          .updateTable('prepared_notes')
          .set({ n: sql<number>`n + ${p.by}` })
          .where('g', '=', p.g)
          .returning(['k', 'n']),
      );
      const byGroup = prepared((exec, p: { g: string; min: number }) =>
        notes(exec).selectFrom('prepared_notes').selectAll().where('g', '=', p.g).where('n', '>=', p.min).orderBy('k'),
      );
      await insertOne(handle.db, { k: 'a', g: 'one', n: 1, note: null });
      await insertOne(handle.db, { k: 'b', g: 'one', n: 2, note: 'second' });
      for (const n of [1, 3, 2, 3])
        await insertMany(
          handle.db,
          Object.fromEntries(
            Array.from({ length: n }, (_, i) => [
              [`k${i}`, `m${n}-${i}-${builds}`],
              [`n${i}`, i],
            ]).flat(),
          ),
          n,
        );
      // One build per statement and row count: the repeated count of 3 was bound, not built again.
      expect(builds).toBe(4);
      const fresh = (g: string, min: number) =>
        notes(handle.db)
          .selectFrom('prepared_notes')
          .selectAll()
          .where('g', '=', g)
          .where('n', '>=', min)
          .orderBy('k')
          .execute();
      for (const [g, min] of [
        ['one', 0],
        ['one', 2],
        ['many', 1],
        ['none', 0],
      ] as const)
        expect((await byGroup(handle.db, { g, min })).rows).toEqual(await fresh(g, min));
      expect((await byGroup(handle.db, { g: 'one', min: 0 })).rows.map((r) => r.note)).toEqual([null, 'second']);
      expect((await fresh('many', 0)).map((r) => r.n).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2]);
      const bumped = await bump(handle.db, { by: 10, g: 'one' });
      expect(bumped.rows.map((r) => r.n).sort((a, b) => a - b)).toEqual([11, 12]);
      // Inside a transaction it writes into the transaction, and rolls back with it.
      await handle.db
        .transaction()
        .execute(async (tx) => {
          // On SQLite the transaction's statements run on the driver directly; outside it, while
          // it is open, statements queue behind it.
          expect(directStatements(tx) !== undefined).toBe(kind === 'sqlite');
          await insertOne(tx, { k: 'c', g: 'one', n: 3, note: null });
          expect(directStatements(handle.db)).toBeUndefined();
          expect((await byGroup(tx, { g: 'one', min: 0 })).rows.map((r) => r.k)).toEqual(['a', 'b', 'c']);
          throw new Error('roll back');
        })
        .catch(() => {});
      // With no transaction open, SQLite's statements run directly outside transactions too.
      expect(directStatements(handle.db) !== undefined).toBe(kind === 'sqlite');
      expect((await byGroup(handle.db, { g: 'one', min: 0 })).rows.map((r) => r.k)).toEqual(['a', 'b']);
      // A read outside a transaction that is open (and waiting) sees none of its writes: it runs
      // once the transaction has ended, and then sees what it committed.
      let resume!: () => void;
      const waiting = new Promise<void>((r) => (resume = r));
      let inserted!: () => void;
      const wrote = new Promise<void>((r) => (inserted = r));
      const open = handle.db.transaction().execute(async (tx) => {
        await insertOne(tx, { k: 'd', g: 'one', n: 4, note: null });
        inserted();
        await waiting;
      });
      await wrote;
      let read: string[] | undefined;
      const reading = byGroup(handle.db, { g: 'one', min: 0 }).then((r) => (read = r.rows.map((x) => x.k)));
      try {
        // PostgreSQL reads the committed state while the transaction is still open (given time on
        // a loaded machine: a fixed 20 ms was not always enough); SQLite's read waits for it.
        if (kind === 'sqlite') {
          await new Promise((r) => setTimeout(r, 20));
          expect(read).toBeUndefined();
        } else {
          await Promise.race([reading, new Promise((r) => setTimeout(r, 10_000))]);
          expect(read).toEqual(['a', 'b']);
        }
      } finally {
        // Ended whatever the checks found, or the open transaction would hold the pool at close.
        resume();
      }
      await Promise.all([open, reading]);
      if (kind === 'sqlite') expect(read).toEqual(['a', 'b', 'd']);
    });

    it('inserts any number of rows: a few through the prepared shapes, many in parts', async () => {
      // The schema's types do not know the scratch table: the insert is typed through a cast.
      const insert = (
        preparedInsert as unknown as (t: string, c: string[]) => (e: Executor, r: Row[]) => Promise<void>
      )('prepared_notes', ['k', 'g', 'n', 'note']);
      const rows = (prefix: string, n: number): Row[] =>
        Array.from({ length: n }, (_, i) => ({
          k: `${prefix}-${i}`,
          g: prefix,
          n: i,
          note: i % 2 ? null : `note ${i}`,
        }));
      for (const [prefix, n] of [
        ['none', 0],
        ['few', 3],
        ['again', 3],
        ['single', 1],
        ['bulk', 1200],
      ] as const) {
        await insert(handle.db, rows(prefix, n));
        const stored = await notes(handle.db)
          .selectFrom('prepared_notes')
          .selectAll()
          .where('g', '=', prefix)
          .orderBy('n')
          .execute();
        expect(stored).toEqual(rows(prefix, n));
      }
      // Rows with a column the insert does not name are refused when their shape is first built
      // (five rows: a row count not built before), and nothing of them is written.
      const extra = rows('extra', 5).map((r) => ({ ...r, extra: 1 }) as Row);
      await expect(insert(handle.db, extra)).rejects.toThrow(/passed but not used/);
      expect(
        await notes(handle.db).selectFrom('prepared_notes').select('k').where('g', '=', 'extra').execute(),
      ).toEqual([]);
    });

    it('refuses a build that uses a value otherwise than as a value of the query, or leaves one out', async () => {
      // Branching on a value: the placeholder is always truthy, so the other branch would never be built.
      const branches = prepared((exec, p: { g: string; k: string }) =>
        notes(exec)
          .selectFrom('prepared_notes')
          .select('k')
          .where('g', '=', p.k ? 'fixed' : p.g),
      );
      await expect(branches(handle.db, { g: 'one', k: '' })).rejects.toThrow(/value 'k' is not bound/);
      const altered = prepared((exec, p: { g: string }) =>
        notes(exec).selectFrom('prepared_notes').select('k').where('g', 'like', `${p.g}%`),
      );
      await expect(altered(handle.db, { g: 'o' })).rejects.toThrow(/used altered/);
      // A column the caller passes but the insert does not name would be dropped silently.
      const forgets = prepared((exec, r: Row) =>
        notes(exec).insertInto('prepared_notes').values({ k: r.k, g: r.g, n: r.n }),
      );
      await expect(forgets(handle.db, { k: 'x', g: 'one', n: 1, note: 'kept?' })).rejects.toThrow(
        /value 'note' is passed but not used/,
      );
      expect(
        (await notes(handle.db).selectFrom('prepared_notes').select('k').where('k', '=', 'x').execute()).length,
      ).toBe(0);
    });
  });
});
