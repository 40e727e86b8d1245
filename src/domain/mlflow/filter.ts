// The MLflow Model Registry search filter grammar: comparisons joined by AND, identifiers
// `name`, `attribute.<name>`, `tags.<key>` (backticks or double quotes around keys with dots or
// spaces), string values in single or double quotes, unquoted numbers for version_number, and
// `IN ('a', 'b')` for run_id. Anything outside it is refused with a precise message.

export type Comparator = '=' | '!=' | 'LIKE' | 'ILIKE' | 'IN' | '>' | '>=' | '<' | '<=';

export interface Clause {
  key: { type: 'attribute' | 'tag'; name: string };
  comparator: Comparator;
  value: string | number | string[];
}

export class FilterError extends Error {}

const STRING_OPS: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMBER_OPS: Comparator[] = ['=', '!=', '>', '>=', '<', '<='];

/** What each searchable entity accepts, per attribute. */
export const SEARCHABLE = {
  'registered-models': { attributes: { name: STRING_OPS }, tags: STRING_OPS },
  'model-versions': {
    attributes: {
      name: STRING_OPS,
      source_path: STRING_OPS,
      run_id: [...STRING_OPS, 'IN'] as Comparator[],
      version_number: NUMBER_OPS,
    },
    tags: STRING_OPS,
  },
} as const;

type Token = { t: 'ident' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma'; v: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new FilterError(`unterminated ${c === '`' ? 'backtick' : 'quote'} starting at position ${i}`);
      // Backticks only quote identifiers (tag keys); quotes make string values (or quoted keys after `tags.`).
      out.push({ t: c === '`' ? 'ident' : 'string', v: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '!=' || two === '>=' || two === '<=' || two === '<>') {
      out.push({ t: 'op', v: two === '<>' ? '!=' : two });
      i += 2;
      continue;
    }
    if (c === '=' || c === '>' || c === '<') {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if (c === '(') {
      out.push({ t: 'lparen', v: c });
      i++;
      continue;
    }
    if (c === ')') {
      out.push({ t: 'rparen', v: c });
      i++;
      continue;
    }
    if (c === ',') {
      out.push({ t: 'comma', v: c });
      i++;
      continue;
    }
    const word = /^[A-Za-z0-9_.\-+]+/.exec(text.slice(i));
    if (!word) throw new FilterError(`unexpected character '${c}' at position ${i}`);
    const w = word[0];
    out.push({ t: /^[+-]?\d+(\.\d+)?$/.test(w) ? 'number' : 'ident', v: w });
    i += w.length;
  }
  return out;
}

/** Splits `tags.<key>` / `attribute.<name>` / `<name>`, joining a quoted key that follows `tags.`. */
function identifier(tokens: Token[], at: number): { key: Clause['key']; next: number } {
  const first = tokens[at];
  if (!first || first.t !== 'ident')
    throw new FilterError(`expected an identifier ${first ? `but got '${first.v}'` : 'at the end of the filter'}`);
  let text = first.v;
  let next = at + 1;
  // `tags.` directly followed by a quoted key: tags."my key" / tags.`my.key`
  if (
    (text === 'tags.' || text === 'tag.' || text === 'attribute.' || text === 'attributes.') &&
    tokens[next] &&
    (tokens[next]!.t === 'ident' || tokens[next]!.t === 'string')
  ) {
    text += tokens[next]!.v;
    next++;
    const [prefix, ...rest] = text.split('.');
    return { key: { type: prefix!.startsWith('tag') ? 'tag' : 'attribute', name: rest.join('.') }, next };
  }
  const dot = text.indexOf('.');
  if (dot < 0) return { key: { type: 'attribute', name: text }, next };
  const prefix = text.slice(0, dot);
  const name = text.slice(dot + 1);
  if (prefix === 'tags' || prefix === 'tag') return { key: { type: 'tag', name }, next };
  if (prefix === 'attribute' || prefix === 'attributes' || prefix === 'attr')
    return { key: { type: 'attribute', name }, next };
  throw new FilterError(
    `invalid identifier '${text}': use name, attribute.<name> or tags.<key> (backticks around keys with dots)`,
  );
}

/**
 * Parses a search filter for `entity`. Throws FilterError (INVALID_PARAMETER_VALUE) for anything
 * outside the documented grammar: OR, NOT, parentheses, unknown keys, comparators a key does not
 * take, unquoted strings or quoted numbers.
 */
export function parseFilter(text: string | undefined, entity: keyof typeof SEARCHABLE): Clause[] {
  if (text === undefined || text.trim() === '') return [];
  const tokens = tokenize(text);
  const clauses: Clause[] = [];
  let i = 0;
  const spec = SEARCHABLE[entity];
  for (;;) {
    const t = tokens[i];
    if (t && (t.t === 'lparen' || (t.t === 'ident' && /^(or|not)$/i.test(t.v))))
      throw new FilterError(`'${t.v}' is not supported: join comparisons with AND only`);
    const { key, next } = identifier(tokens, i);
    i = next;
    const opToken = tokens[i];
    if (!opToken)
      throw new FilterError(`expected a comparator after '${key.type === 'tag' ? `tags.${key.name}` : key.name}'`);
    let comparator: Comparator;
    if (opToken.t === 'op') comparator = opToken.v as Comparator;
    else if (opToken.t === 'ident' && /^(like|ilike|in)$/i.test(opToken.v))
      comparator = opToken.v.toUpperCase() as Comparator;
    else if (opToken.t === 'ident' && /^not$/i.test(opToken.v)) throw new FilterError("'NOT' is not supported");
    else throw new FilterError(`invalid comparator '${opToken.v}'`);
    i++;
    const allowed: readonly Comparator[] | undefined =
      key.type === 'tag' ? spec.tags : (spec.attributes as Record<string, readonly Comparator[]>)[key.name];
    if (!allowed)
      throw new FilterError(
        `invalid attribute key '${key.name}': valid keys are ${Object.keys(spec.attributes).join(', ')} and tags.<key>`,
      );
    if (!allowed.includes(comparator))
      throw new FilterError(
        `invalid comparator '${comparator}' for ${key.type === 'tag' ? 'tags' : `'${key.name}'`}: use one of ${allowed.join(', ')}`,
      );
    let value: Clause['value'];
    if (comparator === 'IN') {
      if (tokens[i]?.t !== 'lparen') throw new FilterError('IN takes a parenthesised list of quoted strings');
      i++;
      const list: string[] = [];
      for (;;) {
        const v = tokens[i];
        if (v?.t !== 'string') throw new FilterError('IN takes a parenthesised list of quoted strings');
        list.push(v.v);
        i++;
        if (tokens[i]?.t === 'comma') {
          i++;
          continue;
        }
        if (tokens[i]?.t === 'rparen') {
          i++;
          break;
        }
        throw new FilterError('IN takes a parenthesised list of quoted strings');
      }
      value = list;
    } else {
      const v = tokens[i];
      if (!v) throw new FilterError(`expected a value after '${comparator}'`);
      if (key.name === 'version_number' && key.type === 'attribute') {
        if (v.t !== 'number' || !/^[+-]?\d+$/.test(v.v))
          throw new FilterError(`version_number takes an unquoted integer, not '${v.v}'`);
        value = Number(v.v);
        if (Math.abs(value) > 2147483647) throw new FilterError(`version_number ${v.v} is out of range`);
      } else {
        if (v.t !== 'string')
          throw new FilterError(
            `the value for '${key.type === 'tag' ? `tags.${key.name}` : key.name}' must be a quoted string, not ${v.v}`,
          );
        value = v.v;
      }
      i++;
    }
    clauses.push({ key, comparator, value });
    if (i >= tokens.length) return clauses;
    const and = tokens[i]!;
    if (and.t === 'ident' && /^and$/i.test(and.v)) {
      i++;
      if (i >= tokens.length) throw new FilterError('the filter ends with AND');
      continue;
    }
    if (and.t === 'ident' && /^or$/i.test(and.v))
      throw new FilterError("'OR' is not supported: join comparisons with AND only");
    throw new FilterError(`expected AND before '${and.v}'`);
  }
}

/** A LIKE pattern (`%`, `_`) as a regular expression, for matching outside SQL. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}
