import { boundedPointer, pointerSegment } from './depth.ts';

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
 * Iterative, so client JSON of any depth cannot exhaust the stack; a pointer made long by the
 * client's member names is not quoted back (`/` instead).
 */
export function findUnstorable(value: unknown, pointer = ''): string | null {
  // Depth-first in document order: children are pushed last-first.
  // An entry is a value to look into, or (badName) a member name already found unstorable.
  const stack: [unknown, string, boolean?][] = [[value, pointer]];
  while (stack.length > 0) {
    const [v, at, badName] = stack.pop()!;
    if (badName) return boundedPointer(at);
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return boundedPointer(at);
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}/${i}`]);
      continue;
    }
    // Only parsed JSON is walked: a raw upload (the request stream of a CSV or Parquet body) is an
    // object graph with cycles, and its bytes are checked where they are parsed.
    if (v !== null && typeof v === 'object' && isPlainObject(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        const childAt = `${at}/${pointerSegment(k)}`;
        // A member name is checked before the value under it, as it comes first in the document.
        stack.push([child, childAt]);
        if (UNSTORABLE.test(k)) stack.push([undefined, childAt, true]);
      }
    }
  }
  return null;
}
