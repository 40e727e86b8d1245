/**
 * How deeply client JSON may nest arrays and objects. Walks over client input are iterative or
 * bounded by this, and input nested deeper is refused up front, so no recursion over it (ours or a
 * library's, e.g. JSON Schema validation or canonical JSON) can exhaust the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** What a refusal for nesting says, once, everywhere. */
export const TOO_DEEP = `nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep (the limit is ${MAX_JSON_DEPTH})`;

// Pointers are built from the client's member names: past this length one is not quoted back.
const MAX_POINTER = 256;

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/** `segment` escaped for a JSON pointer (RFC 6901). */
export const pointerSegment = (segment: string | number): string =>
  typeof segment === 'number' ? String(segment) : segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** A JSON pointer fit to quote in a problem: `fallback` when the client's member names make it long. */
export const boundedPointer = (pointer: string, fallback = '/'): string =>
  pointer.length > MAX_POINTER ? fallback : pointer || '/';

/**
 * JSON pointer of the first array or object nested deeper than `limit` levels (the document itself
 * is level 1), or null. Iterative; walks parsed JSON only (plain objects and arrays), so a raw
 * upload's stream object is not mistaken for client data.
 */
export function findTooDeep(value: unknown, limit = MAX_JSON_DEPTH): string | null {
  const stack: [unknown, number, string][] = [[value, 1, '']];
  while (stack.length > 0) {
    const [v, depth, pointer] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const array = Array.isArray(v);
    if (!array && !isPlainObject(v)) continue;
    if (depth > limit) return boundedPointer(pointer);
    const entries: [string | number, unknown][] = array ? v.map((c, i) => [i, c]) : Object.entries(v);
    for (const [k, child] of entries)
      if (child !== null && typeof child === 'object')
        stack.push([child, depth + 1, `${pointer}/${pointerSegment(k)}`]);
  }
  return null;
}
