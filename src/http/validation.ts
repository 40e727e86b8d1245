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

/**
 * JSON pointer of the first string (value or member name) holding U+0000, or null. PostgreSQL
 * text cannot hold NUL, and no governance record needs one, so such input is refused everywhere.
 */
export function findNul(value: unknown, pointer = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? pointer || '/' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${pointer}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (k.includes('\u0000')) return at;
      const found = findNul(v, at);
      if (found) return found;
    }
  }
  return null;
}
