import { sql } from 'kysely';
import type { Db, DialectName, Tx } from './database.ts';

/** Runs a command in one transaction: it commits whole or not at all, and is durable once the promise resolves. */
export type Transact = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

interface Pending {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for SQLite. SQLite has one writer and every commit pays an fsync, so commands that
 * arrive while a commit is under way are run together in the next transaction, each inside its own
 * savepoint: a failing command rolls back to its savepoint alone, the others commit together, and
 * no caller hears of success before the shared COMMIT is durable. Commands run in arrival order and
 * each sees the writes of those before it, exactly as if they had committed one by one.
 *
 * Contract: a command must not call transact() itself (it would wait for its own batch); pass the
 * transaction down instead. (Guarding this with AsyncLocalStorage would put promise hooks on every
 * request, which costs more than the whole read path.)
 */
export interface TransactHooks {
  /** Runs inside the transaction after its commands succeeded, just before COMMIT (e.g. sign an audit checkpoint). */
  beforeCommit?: (tx: Tx) => Promise<void>;
}

export function createGroupCommitTransact(db: Db, hooks: TransactHooks = {}, maxBatch = 128): Transact {
  const queue: Pending[] = [];
  let running = false;

  async function runBatch(batch: Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      if (batch.length === 1) {
        // Nothing to isolate from: a plain transaction, rolled back whole on error.
        try {
          outcomes.push({
            ok: true,
            value: await db.transaction().execute(async (tx) => {
              const value = await batch[0]!.fn(tx);
              await hooks.beforeCommit?.(tx);
              return value;
            }),
          });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      } else {
        await db.transaction().execute(async (tx) => {
          for (const p of batch) {
            await sql`savepoint steward_cmd`.execute(tx);
            try {
              outcomes.push({ ok: true, value: await p.fn(tx) });
            } catch (error) {
              await sql`rollback to savepoint steward_cmd`.execute(tx);
              outcomes.push({ ok: false, error });
            }
            await sql`release savepoint steward_cmd`.execute(tx);
          }
          if (outcomes.some((o) => o.ok)) await hooks.beforeCommit?.(tx);
        });
      }
    } catch (commitError) {
      // The shared commit failed: nothing of the batch was written, so every command fails.
      batch.forEach((p) => p.reject(commitError));
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await runBatch(queue.splice(0, maxBatch));
    } finally {
      running = false;
    }
  }

  return <T>(fn: (tx: Tx) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!running) {
        running = true;
        // The driver is synchronous underneath, so a batch never yields to I/O; wait one turn of the
        // event loop so that requests already received can join this commit.
        setImmediate(() => void drain());
      }
    });
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back whole and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * One transaction per command; PostgreSQL batches concurrent commits itself. A command that lost a
 * deadlock runs again (up to three times): it was rolled back whole, so nothing of it remains.
 */
export const createSimpleTransact =
  (db: Db, hooks: TransactHooks = {}): Transact =>
  async (fn) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(async (tx) => {
          const value = await fn(tx);
          await hooks.beforeCommit?.(tx);
          return value;
        });
      } catch (err) {
        if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      }
    }
  };

export function createTransact(db: Db, dialect: DialectName, hooks: TransactHooks = {}): Transact {
  return dialect === 'sqlite' ? createGroupCommitTransact(db, hooks) : createSimpleTransact(db, hooks);
}
