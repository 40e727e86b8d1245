/**
 * RFC 8785 JSON Canonicalization Scheme. Object members are sorted by their names' UTF-16 code
 * units (what Array.prototype.sort does with strings), numbers and strings are serialised as
 * ECMAScript's JSON.stringify does, which is exactly what RFC 8785 prescribes. Members whose value
 * is `undefined` are omitted, as JSON.stringify omits them.
 * @throws TypeError on non-finite numbers and on values JSON cannot represent.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`JCS cannot represent ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    // A Date, Map or class instance would serialise as something other than what it is.
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(
        `JCS accepts plain objects only, not ${(value as object).constructor?.name ?? 'this object'}`,
      );
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      if (obj[key] !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalize(obj[key])}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new TypeError(`JCS cannot represent a ${typeof value}`);
}
