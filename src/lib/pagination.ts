import { Type } from 'typebox';
import { DomainError } from '../errors.ts';

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'page size' }),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'opaque cursor from a previous `nextCursor`' })),
};

/** Opaque cursor: base64url JSON of the last row's sort key. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor whose key has exactly the given element types; anything else is a 400. */
export function decodeCursor(cursor: string | undefined, kinds: ('string' | 'number')[]): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === kinds.length &&
      key.every((k, i) => (kinds[i] === 'number' ? Number.isSafeInteger(k) : typeof k === 'string'))
    )
      return key;
  } catch {
    // fall through
  }
  throw new DomainError('validation_failed', 'cursor is not one this server issued', {
    errors: [{ pointer: '/cursor', message: 'is not a valid cursor' }],
  });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Splits a `limit + 1` fetch into a page and the cursor of its last item. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

export const PageOf = <T extends import('typebox').TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
