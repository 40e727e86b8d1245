import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** What a repository read runs on: the database itself or an open transaction. */
export type Executor = Db | Tx;

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  dialect: DialectName;
  /** The PostgreSQL pool, for components that speak SQL of their own (the pg-boss job queue). */
  pool?: pg.Pool;
  close(): Promise<void>;
}

// COUNT(*) and BIGINT come back from pg as strings; every such value here fits a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/** SQLite pragmas: WAL for concurrent readers, FULL sync so an acknowledged write survives power loss. */
export const SQLITE_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'busy_timeout = 5000'];

/**
 * Opens the configured database. `onIdleError` hears of connections the server dropped while idle
 * (restart, failover, termination); the pool replaces them, the process must not die of it.
 */
export function openDatabase(
  database: Config['database'],
  onIdleError: (err: Error) => void = (err) => process.stderr.write(`database connection lost: ${err.message}\n`),
): DatabaseHandle {
  if (database.kind === 'postgres') {
    // Bounded waits: with the database down, a request fails after timeoutMs (503) instead of
    // hanging; keep-alive notices a peer that vanished without closing its connections.
    const pool = new pg.Pool({
      connectionString: database.url,
      max: 10,
      connectionTimeoutMillis: database.timeoutMs ?? 5000,
      keepAlive: true,
    });
    pool.on('error', onIdleError);
    // A connection lost while checked out (between a transaction's statements) errs on its client,
    // where the pool listens only while the client is idle: without this the process would die.
    // Its next query fails (a 503 to the caller) and the pool discards it on release.
    pool.on('connect', (client) => client.on('error', onIdleError));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', pool, close: () => db.destroy() };
  }
  if (database.file !== ':memory:') mkdirSync(dirname(database.file), { recursive: true });
  const sqlite = new SQLite(database.file);
  for (const p of SQLITE_PRAGMAS) sqlite.pragma(p);
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  ownStatements.set(db.getExecutor().adapter, { prepare: statements.prepare, open: () => sqlite.inTransaction });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a
 * point query. The queries are a small fixed set of SQL texts, so keep their prepared statements.
 */
function withStatementCache(sqlite: SQLite.Database, max = 1000): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (text: string): SQLite.Statement => {
    let stmt = cache.get(text);
    if (!stmt) {
      stmt = sqlite.prepare(text);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(text, stmt);
    }
    return stmt;
  };
  // Kysely's driver uses only prepare() and close().
  return { prepare, close: () => sqlite.close() } as unknown as SQLite.Database;
}

/**
 * Each SQLite database's prepared statements, and whether a transaction is open on its connection,
 * by its Kysely adapter (which its transactions share).
 */
const ownStatements = new WeakMap<object, { prepare: (text: string) => SQLite.Statement; open: () => boolean }>();

/**
 * The prepared statements a statement of `exec` may run on directly, without Kysely's connection
 * queue and its promise chain (which cost about as much as a point query); undefined on PostgreSQL
 * and where the statement must wait its turn. The driver runs each statement to completion before
 * returning, so a statement run directly never interleaves with another. Inside a transaction: the
 * transaction holds the one connection until it ends. Outside one: only while no transaction is
 * open on the connection. A group commit keeps its transaction open across awaits, and its writes
 * must not be seen before they commit: a statement then queues behind it, as every statement did.
 */
export function directStatements(exec: Executor): ((text: string) => SQLite.Statement) | undefined {
  const own = ownStatements.get(exec.getExecutor().adapter);
  if (!own) return undefined;
  return exec.isTransaction || !own.open() ? own.prepare : undefined;
}

/** True when the database answers a trivial query. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/**
 * A value that changes whenever the SQLite database may have changed: the rows this connection has
 * written (`total_changes()`, which only grows, rolled back or not) and the commits of other
 * connections (`data_version`). Equal values mean nothing was written in between, so a read derived
 * from the data may be reused. There is no such value where other processes write (PostgreSQL).
 */
export async function sqliteWriteGeneration(db: Db): Promise<string> {
  const { rows } = await sql<{
    g: string;
  }>`select total_changes() || ':' || data_version as g from pragma_data_version`.execute(db);
  return rows[0]!.g;
}
