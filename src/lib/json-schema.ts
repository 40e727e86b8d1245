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

export function compileSchema(
  schema: object,
  part: 'body' | 'querystring' | 'params' | 'headers' | 'config',
): ValidateFunction {
  return (part === 'body' ? strictAjv : coercingAjv).compile(schema);
}

/** Turns Ajv errors into JSON-pointer field errors, naming the unknown property where there is one. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): ErrorField[] {
  // A refused member name is reported twice by Ajv: once for the name (with `propertyName`), once
  // as a bare "property name must be valid" on the object; the first says more.
  return (errors ?? []).flatMap((e) => {
    if (e.keyword === 'propertyNames') return [];
    let pointer = `${prefix}${e.instancePath}`;
    let message = e.message ?? 'is invalid';
    if (e.propertyName !== undefined) {
      pointer = `${pointer}/${e.propertyName.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = e.keyword === 'not' ? 'is a reserved key' : `key ${message}`;
    } else if (e.keyword === 'additionalProperties') {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      pointer = `${pointer}/${prop}`;
      message = 'is not a known field';
    } else if (e.keyword === 'required') {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      pointer = `${pointer}/${prop}`;
      message = 'is required';
    }
    return [{ pointer, message }];
  });
}
