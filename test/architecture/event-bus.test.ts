import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Tx } from '../../src/db/database.ts';
import { createTransact } from '../../src/db/transact.ts';
import { createEventBus } from '../../src/lib/event-bus.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

interface Events {
  'thing.made': { k: string };
}

// Domain events run their in-transaction subscribers inside the emitting command (a failure rolls
// it back) and their after-commit subscribers only once that very command committed.
describe.each(DB_KINDS)('domain events on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'bus', () => {
    let testDb: TestDatabase;
    let handle: DatabaseHandle;
    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      handle = testDb.open();
      await sql`create table t (k text primary key)`.execute(handle.db);
    });
    afterAll(async () => {
      await handle.close();
      await testDb.drop();
    });
    const has = async (k: string) =>
      (await sql<{ k: string }>`select k from t where k = ${k}`.execute(handle.db)).rows.length === 1;

    it('rolls a command back with its failing subscriber, and runs after-commit work only for committed commands', async () => {
      const failures: unknown[] = [];
      const transact = createTransact(handle.db, handle.dialect, { afterCommitError: (err) => failures.push(err) });
      const bus = createEventBus<Events, Tx>((tx, fn) => transact.afterCommit(tx, fn));
      const reacted: string[] = [];
      const committed: string[] = [];
      bus.on('thing.made', async (tx, { k }) => {
        if (k.startsWith('bad')) throw new Error(`refused ${k}`);
        await sql`insert into t (k) values (${`${k}-reaction`})`.execute(tx);
        reacted.push(k);
      });
      bus.afterCommit('thing.made', async ({ k }) => {
        // The command's own write is visible once after-commit work runs.
        expect(await has(k)).toBe(true);
        committed.push(k);
      });
      bus.afterCommit('thing.made', ({ k }) => {
        if (k === 'good-2') throw new Error('after-commit failure');
      });
      bus.seal();
      expect(() => bus.on('thing.made', async () => undefined)).toThrow(/after the application was composed/);

      const command = (k: string) =>
        transact(async (tx) => {
          await sql`insert into t (k) values (${k})`.execute(tx);
          await bus.emit(tx, 'thing.made', { k });
          return k;
        });
      // Arriving together, they share one commit on SQLite (each in its own savepoint).
      const results = await Promise.allSettled(['good-1', 'bad-1', 'good-2', 'bad-2'].map(command));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      expect(await has('good-1')).toBe(true);
      expect(await has('good-1-reaction')).toBe(true);
      expect(await has('bad-1')).toBe(false);
      expect(await has('bad-2')).toBe(false);
      expect(committed.sort()).toEqual(['good-1', 'good-2']);
      expect(reacted.sort()).toEqual(['good-1', 'good-2']);
      // A failing after-commit reaction is reported; the committed command still succeeded.
      expect(failures).toHaveLength(1);
      expect(() => transact.afterCommit(handle.db as unknown as Tx, () => undefined)).toThrow(/outside a command/);
    });
  });
});
