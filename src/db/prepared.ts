import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { chunks } from './chunks.ts';
import { directStatements, type Executor } from './database.ts';
import type { Database } from './schema.ts';

// Placeholders the query is first built with: no id, name or date a caller passes starts with NUL.
const KEY = '\u0000steward-key:';
const ARG = '\u0000steward-arg:';
const PARAM = '\u0000steward-param:';
const MARK = '\u0000steward-';

/** Where each parameter of the compiled SQL comes from: a key by position, an argument, or a constant. */
type Slot = { key: number } | { arg: number } | { value: unknown };

interface Template {
  sql: string;
  query: CompiledQuery['query'];
  slots: Slot[];
}

/**
 * Runs a built statement with its parameters: on SQLite straight to the statement where that is
 * safe (see `directStatements`), otherwise through Kysely.
 */
async function run<Row>(
  exec: Executor,
  t: { sql: string; query: CompiledQuery['query'] },
  parameters: unknown[],
): Promise<QueryResult<Row>> {
  const own = directStatements(exec);
  if (own) {
    const stmt = own(t.sql);
    if (stmt.reader) return { rows: stmt.all(parameters) as Row[] };
    return { rows: [], numAffectedRows: BigInt(stmt.run(parameters).changes) };
  }
  const compiled: CompiledQuery<Row> = { sql: t.sql, query: t.query, queryId: { queryId: '' }, parameters };
  return exec.executeQuery(compiled);
}

/** The smallest power of two at least `n`: keys are padded to it, so a read has few SQL texts. */
const bucket = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Keys one statement binds at most (padded to 512), well below SQLite's 32,766 parameters. */
const PART = 500;

/**
 * A read of rows by a list of keys (and string arguments) whose query Kysely builds and compiles
 * once per dialect and list size, then only binds. Building and compiling a query costs more than
 * running it for a page of keys (the inventory's status reads run some twenty such statements a
 * page). Keys are padded to a power of two by repeating the last: `build` must use them only as
 * an `in` list. It may read nothing but its arguments: anything else it reads is fixed at the
 * first call (a date, a limit), so such values must be passed as `args`. An empty list reads
 * nothing; a list longer than 500 keys is read 500 at a time, so an order the query asks for holds
 * within each part (the rows of one key stay together).
 */
export function listRead<Row, A extends string[] = []>(
  build: (exec: Executor, keys: string[], ...args: A) => Compilable<Row>,
): (exec: Executor, keys: string[], ...args: A) => Promise<Row[]> {
  // By the executor's adapter (one per database; a transaction shares its database's), then size.
  const templates = new WeakMap<object, Map<number, Template>>();
  const templateOf = (exec: Executor, size: number, argc: number): Template => {
    const adapter = exec.getExecutor().adapter;
    let bySize = templates.get(adapter);
    if (!bySize) templates.set(adapter, (bySize = new Map()));
    let t = bySize.get(size);
    if (!t) {
      const keys = Array.from({ length: size }, (_, i) => `${KEY}${i}`);
      const args = Array.from({ length: argc }, (_, i) => `${ARG}${i}`) as A;
      const compiled = build(exec, keys, ...args).compile();
      const slots = compiled.parameters.map((p): Slot => {
        if (typeof p === 'string' && p.startsWith(KEY)) return { key: Number(p.slice(KEY.length)) };
        if (typeof p === 'string' && p.startsWith(ARG)) return { arg: Number(p.slice(ARG.length)) };
        return { value: p };
      });
      // A key or argument the SQL does not carry as a parameter would be silently dropped.
      for (let i = 0; i < size; i++)
        if (!slots.some((s) => 'key' in s && s.key === i)) throw new Error(`listRead: key ${i} is not bound`);
      for (let i = 0; i < argc; i++)
        if (!slots.some((s) => 'arg' in s && s.arg === i)) throw new Error(`listRead: argument ${i} is not bound`);
      bySize.set(size, (t = { sql: compiled.sql, query: compiled.query, slots }));
    }
    return t;
  };
  const read = async (exec: Executor, keys: string[], args: A): Promise<Row[]> => {
    if (keys.length === 0) return [];
    const size = bucket(keys.length);
    const t = templateOf(exec, size, args.length);
    const last = keys[keys.length - 1]!;
    const parameters = t.slots.map((s) =>
      'key' in s ? (s.key < keys.length ? keys[s.key] : last) : 'arg' in s ? args[s.arg] : s.value,
    );
    return (await run<Row>(exec, t, parameters)).rows;
  };
  return async (exec, keys, ...args) => {
    if (keys.length <= PART) return read(exec, keys, args);
    const rows: Row[] = [];
    for (const part of chunks(keys, PART)) rows.push(...(await read(exec, part, args)));
    return rows;
  };
}

/**
 * A prepared statement's SQL and, for each of its parameters, the named value it binds (or
 * undefined for a constant of the SQL, then in `values`). Plain arrays: binding runs on every
 * call of the hottest writes, where an object per parameter and a lookup by key showed.
 */
interface NamedTemplate {
  sql: string;
  query: CompiledQuery['query'];
  names: (string | undefined)[];
  values: unknown[];
}

/**
 * Builds and compiles a statement once per database and variant with placeholders for its named
 * values (see `prepared`), checking that each name `build` read is bound as a parameter and that
 * each of `given` was read.
 */
function namedTemplates<P extends object, Row>(
  build: (exec: Executor, p: P, variant: number) => Compilable<Row>,
): (exec: Executor, variant: number, given: () => string[]) => NamedTemplate {
  // By the executor's adapter (one per database; a transaction shares its database's), then variant.
  const templates = new WeakMap<object, Map<number, NamedTemplate>>();
  return (exec, variant, given) => {
    const adapter = exec.getExecutor().adapter;
    let byVariant = templates.get(adapter);
    if (!byVariant) templates.set(adapter, (byVariant = new Map()));
    let t = byVariant.get(variant);
    if (t) return t;
    const used = new Set<string>();
    const placeholders = new Proxy({} as P, {
      get: (_, name) => {
        if (typeof name !== 'string') return undefined;
        used.add(name);
        return `${PARAM}${name}`;
      },
    });
    const compiled = build(exec, placeholders, variant).compile();
    const names: (string | undefined)[] = [];
    const values: unknown[] = [];
    for (const v of compiled.parameters) {
      const name = typeof v === 'string' && v.startsWith(PARAM) ? v.slice(PARAM.length) : undefined;
      if (name !== undefined && used.has(name)) {
        names.push(name);
        values.push(undefined);
        continue;
      }
      if (typeof v === 'string' && v.includes(MARK)) throw new Error(`prepared: a value is used altered: ${v}`);
      names.push(undefined);
      values.push(v);
    }
    for (const name of used)
      if (!names.includes(name)) throw new Error(`prepared: value '${name}' is not bound as a parameter`);
    // A value passed but never read (a column left out of an insert) would be dropped silently.
    for (const name of given())
      if (!used.has(name)) throw new Error(`prepared: value '${name}' is passed but not used`);
    byVariant.set(variant, (t = { sql: compiled.sql, query: compiled.query, names, values }));
    return t;
  };
}

/**
 * One statement (a write, or a read by a few values) whose query Kysely builds and compiles once
 * per database, then only binds: on the write path of a version, building and compiling its dozen
 * statements cost more CPU than SQLite running them. `build` receives placeholders for the named
 * values and must use each only as a value of the query (a column's value, a comparison's operand):
 * it must not branch on one or compute with it, since it runs once, with placeholders. A value used
 * otherwise is refused when the statement is first built (it is missing from the SQL's parameters,
 * or appears altered), and so is a value passed at the first call that `build` never read (a
 * column left out of an insert). `variant` selects one of several shapes of the statement (the number of rows
 * of a multi-row insert): each is built once, and `build` receives it.
 */
export function prepared<P extends object, Row = never>(
  build: (exec: Executor, p: P, variant: number) => Compilable<Row>,
): (exec: Executor, p: P, variant?: number) => Promise<QueryResult<Row>> {
  const templateOf = namedTemplates(build);
  return async (exec, p, variant = 0) => {
    const t = templateOf(exec, variant, () => Object.keys(p));
    const given = p as Record<string, unknown>;
    const parameters = new Array<unknown>(t.names.length);
    for (let i = 0; i < parameters.length; i++) {
      const name = t.names[i];
      parameters[i] = name === undefined ? t.values[i] : given[name];
    }
    return run<Row>(exec, t, parameters);
  };
}

/** Rows a prepared multi-row insert binds at most; larger inserts are built each time, in parts. */
const PREPARED_ROWS = 16;

/**
 * An insert of rows of `columns` into `table`: up to 16 rows through a statement prepared once per
 * row count (each row's values named `<column><row>`), more in parts built each time, each part
 * within the engines' limits on a statement's parameters. Every row must give every column.
 */
export function preparedInsert<T extends keyof Database & string, C extends keyof Database[T] & string>(
  table: T,
  columns: readonly C[],
): (exec: Executor, rows: Pick<Database[T], C>[]) => Promise<void> {
  const untyped = (exec: Executor) => exec as unknown as Kysely<Record<string, Record<string, unknown>>>;
  // Row i's value of column c is named `i:c` (a column name has no colon).
  const templateOf = namedTemplates((exec, p: Record<string, unknown>, n) =>
    untyped(exec)
      .insertInto(table)
      .values(Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map((c) => [c, p[`${i}:${c}`]])))),
  );
  // Per row count: where each parameter comes from, as the row's index and column (-1: a constant).
  const bindings = new WeakMap<NamedTemplate, { rows: Int32Array; cols: string[] }>();
  const bindingOf = (t: NamedTemplate) => {
    let b = bindings.get(t);
    if (!b) {
      const rows = new Int32Array(t.names.length).fill(-1);
      const cols = t.names.map((name, i) => {
        if (name === undefined) return '';
        const colon = name.indexOf(':');
        rows[i] = Number(name.slice(0, colon));
        return name.slice(colon + 1);
      });
      bindings.set(t, (b = { rows, cols }));
    }
    return b;
  };
  // SQLite binds at most 32,766 parameters, PostgreSQL 65,535.
  const perPart = Math.min(1000, Math.floor(30_000 / columns.length));
  return async (exec, rows) => {
    if (rows.length === 0) return;
    if (rows.length > PREPARED_ROWS) {
      for (const part of chunks(rows, perPart))
        await untyped(exec)
          .insertInto(table)
          .values(part as Record<string, unknown>[])
          .execute();
      return;
    }
    const t = templateOf(exec, rows.length, () => rows.flatMap((r, i) => Object.keys(r).map((k) => `${i}:${k}`)));
    const b = bindingOf(t);
    const parameters = new Array<unknown>(t.names.length);
    for (let i = 0; i < parameters.length; i++) {
      const row = b.rows[i]!;
      parameters[i] = row < 0 ? t.values[i] : (rows[row] as Record<string, unknown>)[b.cols[i]!];
    }
    await run(exec, t, parameters);
  };
}
