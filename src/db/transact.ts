import { CompiledQuery } from 'kysely';
import type { Db, DialectName, Tx } from './database.ts';

/** Runs a command in one transaction: it commits whole or not at all, and is durable once the promise resolves. */
export type Transact = (<T>(fn: (tx: Tx) => Promise<T>) => Promise<T>) & {
  /**
   * Runs `fn` once the command running in `tx` has committed, before its caller is answered; never
   * when the command rolls back. A failing `fn` cannot undo the commit: it is reported, not thrown.
   * Like a command, `fn` must not call transact() itself: on SQLite it runs while the group commit
   * drains, so it would wait for itself.
   */
  afterCommit(tx: Tx, fn: AfterCommitFn): void;
};

type AfterCommitFn = () => Promise<void> | void;

/** The after-commit work of the command currently running in each open transaction. */
function afterCommitRegistry(onError: (err: unknown) => void) {
  const current = new WeakMap<Tx, AfterCommitFn[]>();
  return {
    /** Starts a command's bucket (a batch runs its commands one after another in one transaction). */
    begin(tx: Tx): AfterCommitFn[] {
      const bucket: AfterCommitFn[] = [];
      current.set(tx, bucket);
      return bucket;
    },
    add(tx: Tx, fn: AfterCommitFn): void {
      const bucket = current.get(tx);
      if (!bucket) throw new Error("afterCommit outside a command: pass the command's transaction");
      bucket.push(fn);
    },
    async run(bucket: AfterCommitFn[]): Promise<void> {
      for (const fn of bucket) {
        try {
          await fn();
        } catch (err) {
          onError(err);
        }
      }
    },
  };
}

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
  /** Receives the errors of after-commit work (the command itself has committed). */
  afterCommitError?: (err: unknown) => void;
}

// Run around every command of a batch: compiled once.
const SAVEPOINT = CompiledQuery.raw('savepoint steward_cmd');
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint steward_cmd');
const RELEASE = CompiledQuery.raw('release savepoint steward_cmd');

const reportToStderr = (err: unknown) => console.error('after-commit work failed', err);

export function createGroupCommitTransact(db: Db, hooks: TransactHooks = {}, maxBatch = 128): Transact {
  const queue: Pending[] = [];
  let running = false;
  const after = afterCommitRegistry(hooks.afterCommitError ?? reportToStderr);

  async function runBatch(batch: Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    const buckets: AfterCommitFn[][] = [];
    try {
      if (batch.length === 1) {
        // Nothing to isolate from: a plain transaction, rolled back whole on error.
        try {
          outcomes.push({
            ok: true,
            value: await db.transaction().execute(async (tx) => {
              buckets.push(after.begin(tx));
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
            await tx.executeQuery(SAVEPOINT);
            buckets.push(after.begin(tx));
            try {
              outcomes.push({ ok: true, value: await p.fn(tx) });
            } catch (error) {
              await tx.executeQuery(ROLLBACK_TO);
              outcomes.push({ ok: false, error });
            }
            await tx.executeQuery(RELEASE);
          }
          if (outcomes.some((o) => o.ok)) await hooks.beforeCommit?.(tx);
        });
      }
    } catch (commitError) {
      // The shared commit failed: nothing of the batch was written, so every command fails.
      batch.forEach((p) => p.reject(commitError));
      return;
    }
    for (const [i, p] of batch.entries()) {
      const o = outcomes[i]!;
      if (o.ok) {
        await after.run(buckets[i] ?? []);
        p.resolve(o.value);
      } else p.reject(o.error);
    }
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await runBatch(queue.splice(0, maxBatch));
    } finally {
      running = false;
    }
  }

  const transact = <T>(fn: (tx: Tx) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!running) {
        running = true;
        // The driver is synchronous underneath, so a batch never yields to I/O; wait one turn of the
        // event loop so that requests already received can join this commit.
        setImmediate(() => void drain());
      }
    });
  return Object.assign(transact, { afterCommit: (tx: Tx, fn: AfterCommitFn) => after.add(tx, fn) });
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back whole and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * One transaction per command; PostgreSQL batches concurrent commits itself. A command that lost a
 * deadlock runs again (up to three times): it was rolled back whole, so nothing of it remains.
 */
export function createSimpleTransact(db: Db, hooks: TransactHooks = {}): Transact {
  const after = afterCommitRegistry(hooks.afterCommitError ?? reportToStderr);
  const transact = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      let bucket: AfterCommitFn[] = [];
      try {
        const value = await db.transaction().execute(async (tx) => {
          bucket = after.begin(tx);
          const value = await fn(tx);
          await hooks.beforeCommit?.(tx);
          return value;
        });
        await after.run(bucket);
        return value;
      } catch (err) {
        if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      }
    }
  };
  return Object.assign(transact, { afterCommit: (tx: Tx, fn: AfterCommitFn) => after.add(tx, fn) });
}

export function createTransact(db: Db, dialect: DialectName, hooks: TransactHooks = {}): Transact {
  return dialect === 'sqlite' ? createGroupCommitTransact(db, hooks) : createSimpleTransact(db, hooks);
}

/** Writes that share one transaction with others waiting at the same moment (see `createWriteBatcher`). */
export type BatchedWrite<T> = (item: T) => Promise<void>;

/**
 * Group commit for small independent writes on any engine (an admission decision's audit event).
 * On PostgreSQL every audited write holds the audit log's head row until it commits, so audited
 * writes commit one at a time, a round trip and a flush each; items arriving while a batch commits
 * join the next one, which `writeAll` writes together in one transaction and one commit (so it can
 * also write them with fewer statements). Each caller resolves only once its batch has committed. A
 * batch that fails is retried item by item, so one failing item fails alone. Items must not depend
 * on each other's outcome (each may also be written alone).
 */
export function createWriteBatcher<T>(
  transact: Transact,
  writeAll: (tx: Tx, items: T[]) => Promise<void>,
  maxBatch = 256,
): BatchedWrite<T> {
  const queue: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let running = false;
  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          await transact((tx) =>
            writeAll(
              tx,
              batch.map((b) => b.item),
            ),
          );
          batch.forEach((b) => b.resolve());
        } catch {
          // Nothing of the batch was written: each item on its own, to fail only the one at fault.
          await Promise.all(
            batch.map((b) =>
              transact((tx) => writeAll(tx, [b.item])).then(
                () => b.resolve(),
                (err: unknown) => b.reject(err),
              ),
            ),
          );
        }
      }
    } finally {
      running = false;
    }
  }
  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) {
        running = true;
        // One turn of the event loop, so that requests already received join this batch.
        setImmediate(() => void drain());
      }
    });
}
