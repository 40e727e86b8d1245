import { DomainError } from '../errors.ts';

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
