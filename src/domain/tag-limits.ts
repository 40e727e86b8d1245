// Tags are free-form, and every change to a tagged object records the object whole in the audit
// trail: without a bound, one object's tags would make each later event of it arbitrarily large.

import { DomainError } from '../errors.ts';

/** The most tags one object (model, version) carries, and their total size in UTF-8 bytes (keys and values). */
export const TAG_LIMITS = { count: 100, bytes: 64 * 1024 } as const;

const sizeOf = (tags: Record<string, string>) =>
  Object.entries(tags).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/**
 * Refuses (400 `validation_failed`, naming the limit) a tag set over `TAG_LIMITS`. With the
 * object's `previous` tags, a change that does not grow an already oversized set passes, so tags
 * stored before the limit can still be removed.
 */
export function assertTagLimits(
  tags: Record<string, string>,
  previous?: Record<string, string>,
  pointer = '/tags',
): void {
  const count = Object.keys(tags).length;
  const bytes = sizeOf(tags);
  const refuse = (message: string) => {
    throw new DomainError('validation_failed', message, { errors: [{ pointer, message }] });
  };
  if (count > TAG_LIMITS.count && (previous === undefined || count > Object.keys(previous).length))
    refuse(`${count} tags: an object carries at most ${TAG_LIMITS.count} tags`);
  if (bytes > TAG_LIMITS.bytes && (previous === undefined || bytes > sizeOf(previous)))
    refuse(
      `tags of ${bytes} bytes: an object's tags (keys and values, UTF-8) total at most ${TAG_LIMITS.bytes} bytes (64 KiB)`,
    );
}
