// U+0000 (PostgreSQL text cannot hold it) and unpaired surrogates (not Unicode text at all, so
// neither storable the same way on both databases nor valid input to RFC 8785 canonical JSON).
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * JSON pointer of the first string (value or member name) holding a NUL or an unpaired
 * surrogate, or null; such input is refused everywhere, identically on both databases.
 */
export function findUnstorable(value: unknown, pointer = ''): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? pointer || '/' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${pointer}/${i}`);
      if (found) return found;
    }
    return null;
  }
  // Only parsed JSON is walked: a raw upload (the request stream of a CSV or Parquet body) is an
  // object graph with cycles, and its bytes are checked where they are parsed.
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const at = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (UNSTORABLE.test(k)) return at;
      const found = findUnstorable(v, at);
      if (found) return found;
    }
  }
  return null;
}
