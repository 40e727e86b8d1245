/** Strong entity tag of a row revision: the revision counter is the representation's version. */
export const etagOf = (kind: string, id: string, revision: number): string => `"${kind}.${id}.${revision}"`;

/**
 * Reads If-Match for a row update. Returns the revision it names, or undefined when the header is
 * absent or `*` (unconditional update). A tag for another resource or a malformed one can never
 * match the current representation, so it yields -1 and the update fails with 412.
 */
export function revisionFromIfMatch(header: string | undefined, kind: string, id: string): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const prefix = `"${kind}.${id}.`;
  let found = -1;
  for (const raw of header.split(',')) {
    const tag = raw.trim();
    if (tag.startsWith(prefix) && tag.endsWith('"')) {
      const n = Number(tag.slice(prefix.length, -1));
      if (Number.isInteger(n) && n > 0) found = Math.max(found, n);
    }
  }
  return found;
}
