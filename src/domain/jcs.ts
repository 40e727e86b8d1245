import { createHash } from 'node:crypto';

/**
 * RFC 8785 JSON Canonicalization Scheme. Object members are sorted by their names' UTF-16 code
 * units (what Array.prototype.sort does with strings), numbers and strings are serialised as
 * ECMAScript's JSON.stringify does, which is exactly what RFC 8785 prescribes. Members whose value
 * is `undefined` are omitted, as JSON.stringify omits them.
 * @throws TypeError on non-finite numbers and on values JSON cannot represent.
 */
export function canonicalize(value: unknown): string {
  if (Array.isArray(value)) {
    // One string built by appending (V8 joins the pieces lazily): no array of parts per level.
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined ? 'null' : canonicalize(v);
    }
    return out + ']';
  }
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    // A Date, Map or class instance would serialise as something other than what it is.
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(
        `JCS accepts plain objects only, not ${(value as object).constructor?.name ?? 'this object'}`,
      );
    const obj = value as Record<string, unknown>;
    let out = '{';
    for (const key of Object.keys(obj).sort()) {
      const v = obj[key];
      if (v === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${jsonString(key)}:${canonicalize(v)}`;
    }
    return out + '}';
  }
  if (typeof value === 'string') return jsonString(value);
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`JCS cannot represent ${value}`);
    return JSON.stringify(value);
  }
  throw new TypeError(`JCS cannot represent a ${typeof value}`);
}

// Characters JSON.stringify would escape (quote, backslash, controls, lone surrogates; any
// surrogate, to be safe); a string without them serialises as itself in quotes, and testing for
// them costs much less than a stringify call.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify (and so RFC 8785) writes it. */
export function jsonString(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

/**
 * `sha256:` and the hex SHA-256 of `value`'s canonical text: how a signature's manifest, the state
 * it covers and a version's definition are identified, so every place that states or checks one
 * must compute it here.
 * @throws TypeError where `canonicalize` does.
 */
export function canonicalDigest(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalize(value)).digest('hex')}`;
}
