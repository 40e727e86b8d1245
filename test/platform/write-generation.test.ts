import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteWriteGeneration, type DatabaseHandle } from '../../src/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

// The inventory's statuses are reused while this value holds, so every kind of write must move it.
describe('SQLite write generation', () => {
  let testDb: TestDatabase;
  let handle: DatabaseHandle;
  let other: DatabaseHandle;
  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    handle = testDb.open();
    other = testDb.open();
    await sql`create table g (k text primary key)`.execute(handle.db);
  });
  afterAll(async () => {
    await other.close();
    await handle.close();
    await testDb.drop();
  });

  it('holds across reads and moves with every write of this connection, committed or rolled back', async () => {
    const start = await sqliteWriteGeneration(handle.db);
    await sql`select count(*) from g`.execute(handle.db);
    expect(await sqliteWriteGeneration(handle.db)).toBe(start);
    await sql`insert into g values ('a')`.execute(handle.db);
    const afterInsert = await sqliteWriteGeneration(handle.db);
    expect(afterInsert).not.toBe(start);
    await handle.db
      .transaction()
      .execute(async (tx) => {
        await sql`update g set k = 'b' where k = 'a'`.execute(tx);
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await sqliteWriteGeneration(handle.db)).not.toBe(afterInsert);
  });

  it('moves when another connection commits to the same file', async () => {
    const before = await sqliteWriteGeneration(handle.db);
    await sql`insert into g values ('c')`.execute(other.db);
    expect(await sqliteWriteGeneration(handle.db)).not.toBe(before);
  });
});
