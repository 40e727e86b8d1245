import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ErrorField } from '../errors.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // Unknown fields are an error, never silently dropped: a typo in a governance record must be seen.
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: coerceTypes ? 'array' : false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/** Bodies are validated strictly (no type coercion); query strings, params and headers arrive as text and are coerced. */
const strictAjv = makeAjv(false);
const coercingAjv = makeAjv(true);

export function compileSchema(schema: object, part: 'body' | 'querystring' | 'params' | 'headers' | 'config'): ValidateFunction {
  return (part === 'body' ? strictAjv : coercingAjv).compile(schema);
}

/** Turns Ajv errors into JSON-pointer field errors, naming the unknown property where there is one. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): ErrorField[] {
  return (errors ?? []).map((e) => {
    let pointer = `${prefix}${e.instancePath}`;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      pointer = `${pointer}/${prop}`;
      message = 'is not a known field';
    } else if (e.keyword === 'required') {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      pointer = `${pointer}/${prop}`;
      message = 'is required';
    }
    return { pointer, message };
  });
}

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
