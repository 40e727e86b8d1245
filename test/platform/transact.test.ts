import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Tx } from '../../src/db/database.ts';
import { createGroupCommitTransact } from '../../src/db/transact.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('group commit on SQLite', () => {
  let testDb: TestDatabase;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    handle = testDb.open();
    await sql`create table t (k text primary key, v integer not null)`.execute(handle.db);
  });
  afterAll(async () => {
    await handle.close();
    await testDb.drop();
  });

  const insert = (tx: Tx, k: string, v: number) => sql`insert into t (k, v) values (${k}, ${v})`.execute(tx);
  const count = async (prefix: string) =>
    Number(
      (await sql<{ n: number }>`select count(*) as n from t where k like ${`${prefix}%`}`.execute(handle.db)).rows[0]!
        .n,
    );

  it('runs commands that arrive together in one transaction, each isolated by a savepoint', async () => {
    const transact = createGroupCommitTransact(handle.db);
    const seen = new Set<Tx>();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        transact(async (tx) => {
          seen.add(tx);
          await insert(tx, `a${i}`, i);
          if (i % 4 === 1) {
            await insert(tx, `a${i}-second`, i);
            throw new Error(`command ${i} fails after writing`);
          }
          return i;
        }),
      ),
    );
    expect(seen.size).toBe(1);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message),
    ).toEqual(['command 1 fails after writing', 'command 5 fails after writing', 'command 9 fails after writing']);
    expect(
      results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value),
    ).toEqual([0, 2, 3, 4, 6, 7, 8]);
    expect(await count('a')).toBe(7);
    expect(await count('a1')).toBe(0);
  });

  it('lets a later command see the writes of an earlier one in the same commit', async () => {
    const transact = createGroupCommitTransact(handle.db);
    const [, seen] = await Promise.all([
      transact((tx) => insert(tx, 'b0', 41)),
      transact(async (tx) => Number((await sql<{ v: number }>`select v from t where k = 'b0'`.execute(tx)).rows[0]?.v)),
    ]);
    expect(seen).toBe(41);
  });

  it('fails every command of a batch whose commit fails, and writes none of them', async () => {
    const transact = createGroupCommitTransact(handle.db);
    const results = await Promise.allSettled([
      transact((tx) => insert(tx, 'c0', 0)),
      // A deferred constraint breaks only at COMMIT, after every command has succeeded.
      transact(async (tx) => {
        await sql`pragma defer_foreign_keys = on`.execute(tx);
        await sql`create table if not exists child (p text references t(k))`.execute(tx);
        await sql`insert into child (p) values ('missing-parent')`.execute(tx);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await count('c')).toBe(0);
  });
});
