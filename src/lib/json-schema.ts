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

const quoteValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** One message for what the branches of a failed anyOf accept, or null when they are not that simple. */
function anyOfMessage(branches: ErrorObject[]): string | null {
  const allowed: unknown[] = [];
  const types: string[] = [];
  for (const e of branches) {
    if (e.keyword === 'const') allowed.push((e.params as { allowedValue: unknown }).allowedValue);
    else if (e.keyword === 'enum') allowed.push(...(e.params as { allowedValues: unknown[] }).allowedValues);
    else if (e.keyword === 'type') types.push(String((e.params as { type: string }).type));
    else if (e.keyword === 'format') types.push(`a string in ${(e.params as { format: string }).format} format`);
    else return null;
  }
  // A branch `{type: 'string', const: 'a'}` also fails on type for a number: its const says more.
  const named = [...new Set(types.map((t) => TYPE_NAMES[t] ?? t))].filter((t) => allowed.length === 0 || t === 'null');
  const values = [...new Set(allowed.map(quoteValue))];
  const parts = [...(values.length ? [`one of ${values.join(', ')}`] : []), ...named];
  return parts.length ? `must be ${parts.join(' or ')}` : null;
}

/**
 * Turns Ajv errors into JSON-pointer field errors, naming the unknown property where there is one.
 * Enumerations say their allowed values once (`must be one of a, b, c`), and a failed anyOf of
 * constants or simple types becomes one message instead of one per branch.
 */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): ErrorField[] {
  const all = errors ?? [];
  const anyOfs = all.filter((e) => e.keyword === 'anyOf');
  const replaced = new Map<ErrorObject, string>();
  const dropped = new Set<ErrorObject>();
  for (const a of anyOfs) {
    const inside = all.filter((e) => e !== a && e.schemaPath.startsWith(`${a.schemaPath}/`));
    const message = inside.every((e) => e.instancePath === a.instancePath) ? anyOfMessage(inside) : null;
    if (message === null) {
      // Not summarisable: the branches' own errors say more than "must match a schema in anyOf".
      if (inside.length > 0) dropped.add(a);
      continue;
    }
    replaced.set(a, message);
    for (const e of inside) dropped.add(e);
  }
  const out: ErrorField[] = [];
  const seen = new Set<string>();
  for (const e of all) {
    // A refused member name is reported twice by Ajv: once for the name (with `propertyName`), once
    // as a bare "property name must be valid" on the object; the first says more.
    if (dropped.has(e) || e.keyword === 'propertyNames') continue;
    let pointer = `${prefix}${e.instancePath}`;
    let message = replaced.get(e) ?? e.message ?? 'is invalid';
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
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(quoteValue).join(', ')}`;
    } else if (e.keyword === 'const') {
      message = `must be ${quoteValue((e.params as { allowedValue: unknown }).allowedValue)}`;
    }
    // The same message at the same place once (nested anyOfs can repeat one).
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, message });
  }
  return out;
}
