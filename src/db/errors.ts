import { DomainError } from '../errors.ts';
import type { Config } from '../config.ts';

type ConstraintKind = 'unique' | 'foreign_key';

/** Recognises a constraint violation from either driver: SQLite result codes or PostgreSQL SQLSTATE. */
export function constraintKind(err: unknown): ConstraintKind | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505')
    return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') return 'foreign_key';
  return null;
}

// PostgreSQL data exceptions that only bad input can cause (SQLite stores such values as given).
const DATA_EXCEPTIONS: Record<string, string> = {
  '22001': 'a value is longer than its column allows',
  '22003': 'a number is out of the range the database can store',
  '22P02': 'a value has the wrong form for its column',
  '22021': 'a text value contains a character the database cannot store (NUL)',
};

/** A client-caused data exception of the database, as a sentence; null for anything else. */
export function dataExceptionDetail(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (DATA_EXCEPTIONS[code] ?? null) : null;
}

/**
 * Runs a write and translates constraint violations into domain errors, so no driver error ever
 * reaches a service. `messages` says what each violation means for this write.
 */
export async function translateConstraints<T>(
  write: () => Promise<T>,
  messages: Partial<Record<ConstraintKind, () => DomainError>>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const kind = constraintKind(err);
    const make = kind ? messages[kind] : undefined;
    if (make) {
      const e = make();
      throw new DomainError(e.code, e.message, { errors: e.errors, extra: e.extra, cause: err });
    }
    throw err;
  }
}

/**
 * Why the configured database cannot be used at all, as one line saying what to do (a missing
 * PostgreSQL database, an unreachable server); null for any other failure.
 */
export function unusableDatabase(err: unknown, database: Config['database']): string | null {
  if (database.kind !== 'postgres') return null;
  // The migrator wraps the driver's error (cause).
  let code: unknown;
  for (let e = err as { code?: unknown; cause?: unknown } | null, i = 0; e && i < 5 && code === undefined; i++) {
    code = e.code;
    e = e.cause as typeof e;
  }
  let url: URL;
  try {
    url = new URL(database.url);
  } catch {
    return null;
  }
  const host = url.hostname || 'localhost';
  const port = url.port || '5432';
  if (code === '3D000') {
    const name = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
    const user = url.username ? ` -U ${decodeURIComponent(url.username)}` : '';
    return `PostgreSQL database "${name}" does not exist on ${host}:${port}; create it with: createdb -h ${host} -p ${port}${user} ${name}`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `cannot reach PostgreSQL at ${host}:${port} (${String(code)}); is it running, and is STEWARD_DATABASE_URL right?`;
  return null;
}

// Socket errors and SQLSTATE classes that mean the database cannot be reached or is shutting down.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNREACHABLE_SQLSTATES = /^(08|57P0[1-3]|53300)/;
const UNREACHABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly)/;

/**
 * True when `err` (or its cause) says the database is unreachable, restarting or out of connections:
 * a passing condition the caller should retry, not a fault of the request.
 */
export function databaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null, i = 0; e && i < 5; i++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNREACHABLE_CODES.has(code) || UNREACHABLE_SQLSTATES.test(code)) return true;
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Seconds a client is told to wait (Retry-After) while the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;
