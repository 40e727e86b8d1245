import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { CsvSyntaxError, createCsvReader, createCsvRowReader, type CsvRow } from './csv.ts';
import { parquetReadObjects } from 'hyparquet';
import { specProblems, type EvaluationData, type EvaluationSpec } from '../domain/metrics/evaluate.ts';
import type { CodedColumn } from '../domain/metrics/fairness.ts';
import { DomainError } from '../errors.ts';
import { findTooDeep, MAX_JSON_DEPTH, TOO_DEEP } from '../lib/depth.ts';
import { createProfiler, type DataProfile } from '../domain/metrics/data-profile.ts';

export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/** The data format a file name or URI path says (`.csv`, `.jsonl`/`.ndjson`, `.parquet`), if any. */
export const formatOfPath = (path: string | undefined): DataFormat | undefined =>
  !path
    ? undefined
    : /\.(jsonl|ndjson)$/i.test(path)
      ? 'jsonl'
      : /\.parquet$/i.test(path)
        ? 'parquet'
        : /\.csv$/i.test(path)
          ? 'csv'
          : undefined;

export interface ParseOptions {
  /** The label/prediction value that means the positive class (binary classification). */
  positiveLabel: string;
  /** Category to put rows with a missing sensitive value in; without it they are refused. */
  missingSensitiveAs?: string;
  /** Expected [min, max] of columns: the data-quality profile counts the values outside. */
  ranges?: Record<string, [number, number]>;
  maxRows: number;
  maxBytes: number;
  /** Reads CSV through record objects as JSON Lines are read (the general path): tests compare both. */
  csvRecords?: boolean;
}

/** `key:value,...` pairs (the value may contain colons), each key once. */
export function parsePairs(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    const i = item.indexOf(':');
    const key = item.slice(0, i).trim();
    const value = item.slice(i + 1).trim();
    if (i <= 0 || !key || !value || Object.hasOwn(out, key))
      throw new DomainError('validation_failed', `${what} '${item}' must be key:value, each key once`, {
        errors: [{ pointer: `/${what}`, message: 'key:value pairs' }],
      });
    out[key] = value;
  }
  return out;
}

/** `column:min:max,...` (the column may itself contain colons: min and max are the last two fields). */
export function parseRanges(text: string | undefined): Record<string, [number, number]> | undefined {
  if (!text) return undefined;
  const out: Record<string, [number, number]> = {};
  for (const item of text.split(',')) {
    const parts = item.split(':');
    const max = Number(parts.pop());
    const min = Number(parts.pop());
    const column = parts.join(':').trim();
    if (!column || !Number.isFinite(min) || !Number.isFinite(max) || min > max || Object.hasOwn(out, column)) {
      throw new DomainError(
        'validation_failed',
        `range '${item}' must be column:min:max with min <= max, once per column`,
        { errors: [{ pointer: '/ranges', message: 'column:min:max' }] },
      );
    }
    out[column] = [min, max];
  }
  return out;
}

const CHUNK = 65_536;

/**
 * Records parsed between two turns of the event loop. A parse runs on the event loop (it follows
 * the bytes as they stream in), so a large upload is read in slices of this many records and other
 * requests, /healthz among them, are answered between the slices.
 */
const SLICE_RECORDS = 2048;

/**
 * A column of numbers gathered in fixed chunks and joined into one typed array at the end: 8 bytes
 * a row, without the copies and the up-to-double slack of an array grown by doubling.
 */
export class NumberColumn {
  private chunks: Float64Array[] = [];
  private current = new Float64Array(CHUNK);
  private at = 0;

  push(v: number): void {
    if (this.at === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Float64Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = v;
  }

  done(): Float64Array {
    const out = new Float64Array(this.chunks.length * CHUNK + this.at);
    this.chunks.forEach((c, i) => out.set(c, i * CHUNK));
    out.set(this.current.subarray(0, this.at), this.chunks.length * CHUNK);
    this.chunks = [];
    return out;
  }
}

/** A column of bytes (binary labels as 0/1) gathered in chunks like NumberColumn: one byte a row. */
class ByteColumn {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(CHUNK);
  private at = 0;

  push(v: number): void {
    if (this.at === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Uint8Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = v;
  }

  done(): Uint8Array {
    const out = new Uint8Array(this.chunks.length * CHUNK + this.at);
    this.chunks.forEach((c, i) => out.set(c, i * CHUNK));
    out.set(this.current.subarray(0, this.at), this.chunks.length * CHUNK);
    this.chunks = [];
    return out;
  }
}

/**
 * A categorical column as a code a row, in chunks, and its distinct values: a byte a code while
 * there are at most 256 values (the chunks are widened once if more come), handed over as such
 * (a CodedColumn) rather than as an array of a string reference (8 bytes) a row.
 */
class CategoryColumn {
  private codes: (Uint8Array | Uint32Array)[] = [];
  private current: Uint8Array | Uint32Array = new Uint8Array(CHUNK);
  private at = 0;
  private readonly code = new Map<string, number>();
  private readonly values: string[] = [];

  push(value: string): void {
    let c = this.code.get(value);
    if (c === undefined) {
      this.code.set(value, (c = this.values.length));
      this.values.push(value);
      if (c === 256) {
        this.codes = this.codes.map((chunk) => Uint32Array.from(chunk));
        this.current = Uint32Array.from(this.current);
      }
    }
    if (this.at === CHUNK) {
      this.codes.push(this.current);
      this.current = this.values.length > 256 ? new Uint32Array(CHUNK) : new Uint8Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = c;
  }

  done(): CodedColumn {
    const n = this.codes.length * CHUNK + this.at;
    const codes = this.values.length > 256 ? new Uint32Array(n) : new Uint8Array(n);
    this.codes.forEach((c, i) => codes.set(c, i * CHUNK));
    codes.set(this.current.subarray(0, this.at), this.codes.length * CHUNK);
    this.codes = [];
    return { codes, values: this.values };
  }
}

const bad = (row: number, column: string, message: string) =>
  new DomainError('validation_failed', `row ${row}, column '${column}': ${message}`, {
    errors: [{ pointer: `/data/${row}/${column}`, message }],
  });

// Checks of numeric cells, made once rather than per cell.
const probability = (n: number) => n >= 0 && n <= 1;
const nonNegative = (n: number) => n >= 0;
const anyNumber = () => true;

const isMissing = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Parquet cells as the CSV/JSON Lines readers would see them: exact integers, ISO timestamps. */
function plainCell(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

/**
 * Reads evaluation data (CSV with a header row, JSON Lines, or Parquet) as a stream into typed columns,
 * validating every value and naming the row (1-based, header excluded) and column of the first bad
 * one. Also returns the SHA-256 of the bytes read, which the evidence records as the data digest.
 */
export async function readEvaluationData(
  input: Readable,
  format: DataFormat,
  spec: EvaluationSpec,
  opts: ParseOptions,
): Promise<{ data: EvaluationData; digest: string; profile: DataProfile }> {
  const problems = specProblems(spec);
  if (problems.length > 0)
    throw new DomainError('validation_failed', problems.map((p) => p.message).join('; '), { errors: problems });
  for (const [what, list] of [
    ['sensitive', spec.sensitive],
    ['features', spec.features ?? []],
  ] as const) {
    const twice = list.filter((c, i) => list.indexOf(c) !== i);
    if (twice.length > 0)
      throw new DomainError('validation_failed', `${what} column '${twice[0]}' is named more than once`, {
        errors: [{ pointer: `/${what}`, message: 'each column once' }],
      });
  }
  // Binary labels are 0 or 1: a byte a row.
  const yTrue = spec.task === 'binary-classification' ? new ByteColumn() : new NumberColumn();
  const yPred = spec.task === 'binary-classification' ? new ByteColumn() : new NumberColumn();
  const score = spec.score ? new NumberColumn() : undefined;
  const weight = spec.weight ? new NumberColumn() : undefined;
  const data: EvaluationData = {
    yTrue: new Float64Array(0),
    yPred: new Float64Array(0),
    sensitive: Object.fromEntries(spec.sensitive.map((c) => [c, []])),
  };
  // One string per distinct sensitive value, shared by every row that has it.
  const sensitive = spec.sensitive.map(() => new CategoryColumn());
  const features = spec.features ?? [];
  const classScores = Object.entries(spec.classScores ?? {}).map(([label, column]) => ({
    label,
    column,
    values: new NumberColumn(),
  }));
  const needed = [
    spec.label,
    ...(spec.prediction ? [spec.prediction] : []),
    ...(spec.score ? [spec.score] : []),
    ...(spec.weight ? [spec.weight] : []),
    ...spec.sensitive,
    ...features,
    ...classScores.map((c) => c.column),
  ];
  // Model inputs, row-major, gathered in chunks like the other numeric columns.
  const featureValues = new NumberColumn();

  const binary = spec.task === 'binary-classification';
  const classes = spec.task === 'multiclass-classification' ? (data.classes = { yTrue: [], yPred: [] }) : undefined;
  // Binary labels are the positive label and exactly one other, as scikit-learn requires: a third
  // value ('1.0' beside '1', 'yes' beside '0') would otherwise be read silently as negative.
  let negative: string | undefined;
  const target = (v: unknown, row: number, column: string): number => {
    if (isMissing(v)) throw bad(row, column, 'is missing');
    if (binary) {
      const label = String(v).trim();
      if (label === opts.positiveLabel) return 1;
      if (negative === undefined) negative = label;
      else if (label !== negative)
        throw bad(
          row,
          column,
          `'${label.slice(0, 40)}' is a third class: binary classification takes the positive label '${opts.positiveLabel}' and one other ('${negative.slice(0, 40)}' seen first); set positiveLabel or use multiclass-classification`,
        );
      return 0;
    }
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isFinite(n)) throw bad(row, column, `'${String(v).slice(0, 40)}' is not a finite number`);
    return n;
  };
  const number = (v: unknown, row: number, column: string, check: (n: number) => boolean, what: string): number => {
    if (isMissing(v)) throw bad(row, column, 'is missing');
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isFinite(n) || !check(n)) throw bad(row, column, `'${String(v).slice(0, 40)}' is not ${what}`);
    return n;
  };

  let rows = 0;
  let profiler: ReturnType<typeof createProfiler> | undefined;
  const take = (record: Record<string, unknown>) => {
    rows++;
    if (rows > opts.maxRows)
      throw new DomainError('payload_too_large', `evaluation data has more than ${opts.maxRows} rows`);
    // Every column of the first row is profiled (data quality, personal data), not only those evaluated.
    if (!profiler) {
      const unknown = Object.keys(opts.ranges ?? {}).filter((c) => !(c in record));
      if (unknown.length > 0)
        throw new DomainError(
          'validation_failed',
          `a range is given for ${unknown.map((c) => `'${c}'`).join(', ')}, which the data does not have`,
          { errors: unknown.map((c) => ({ pointer: `/ranges/${c}`, message: 'no such column' })) },
        );
      profiler = createProfiler(Object.keys(record), opts.ranges);
    }
    profiler.observe(record, rows);
    if (rows === 1) {
      const missing = needed.filter((c) => !(c in record));
      if (missing.length > 0)
        throw new DomainError(
          'validation_failed',
          `the data has no column ${missing.map((c) => `'${c}'`).join(', ')}`,
          { errors: missing.map((c) => ({ pointer: `/data/columns/${c}`, message: 'no such column' })) },
        );
    }
    if (classes) {
      for (const [col, into] of [
        [spec.label, classes.yTrue],
        ...(spec.prediction ? [[spec.prediction, classes.yPred]] : []),
      ] as [string, string[]][]) {
        const v = record[col];
        if (isMissing(v)) throw bad(rows, col, 'is missing');
        into.push(String(v).trim());
      }
      for (const c of classScores)
        c.values.push(
          number(record[c.column], rows, c.column, (n) => n >= 0 && n <= 1, 'a probability between 0 and 1'),
        );
    } else {
      yTrue.push(target(record[spec.label], rows, spec.label));
      if (spec.prediction) yPred.push(target(record[spec.prediction], rows, spec.prediction));
    }
    for (const c of features)
      featureValues.push(number(record[c], rows, c, () => true, 'a number (model inputs must be numeric)'));
    if (spec.score)
      score!.push(
        number(record[spec.score], rows, spec.score, (n) => n >= 0 && n <= 1, 'a probability between 0 and 1'),
      );
    if (spec.weight)
      weight!.push(number(record[spec.weight], rows, spec.weight, (n) => n >= 0, 'a non-negative weight'));
    for (let k = 0; k < spec.sensitive.length; k++) {
      const c = spec.sensitive[k]!;
      const v = record[c];
      if (isMissing(v)) {
        if (opts.missingSensitiveAs === undefined)
          throw bad(
            rows,
            c,
            'sensitive value is missing; map missing values to an explicit category (missingSensitiveAs)',
          );
        sensitive[k]!.push(opts.missingSensitiveAs);
      } else sensitive[k]!.push(String(v));
    }
  };

  // CSV rows straight from the reader: the same checks as `take` in the same order, with plain
  // decimals and short labels read from the bytes instead of a string per field.
  let fieldOf = new Map<string, number>();
  let profileColumns: string[] = [];
  let profileAt = new Int32Array(0);
  let at: { label: number; prediction: number; score: number; weight: number; sensitive: number[]; features: number[] };
  let classScoreAt: number[] = [];
  const field = (c: string) => fieldOf.get(c) ?? -1;
  const numberAt = (cells: CsvRow, i: number, column: string, check: (n: number) => boolean, what: string) => {
    if (cells.text[i] === undefined) {
      const s = cells.start[i]!;
      const e = cells.end[i]!;
      if (s === e) throw bad(rows, column, 'is missing');
      const n = cells.decimal(i);
      if (!Number.isNaN(n)) {
        if (!check(n)) throw bad(rows, column, `'${cells.string(i).slice(0, 40)}' is not ${what}`);
        return n;
      }
    }
    return number(cells.string(i), rows, column, check, what);
  };
  // The reader hands a short label as the same string each time: the two binary labels' strings,
  // once target() has read them, answer without reading them again.
  let positiveText: string | undefined;
  let negativeText: string | undefined;
  const binaryAt = (cells: CsvRow, i: number, column: string): number => {
    const v = cells.string(i);
    if (!binary) return target(v, rows, column);
    if (v === positiveText) return 1;
    if (v === negativeText) return 0;
    const y = target(v, rows, column);
    if (y === 1) positiveText = v;
    else negativeText = v;
    return y;
  };
  const rowTaker: CsvRowTaker = {
    header(names) {
      // The columns a record object keyed by these names would have, in its key order, each the
      // last field of its name.
      const index: Record<string, number> = {};
      names.forEach((n, i) => (index[n] = i));
      profileColumns = Object.keys(index);
      profileAt = Int32Array.from(profileColumns, (c) => index[c]!);
      fieldOf = new Map(profileColumns.map((c) => [c, index[c]!]));
    },
    row(cells) {
      rows++;
      if (rows > opts.maxRows)
        throw new DomainError('payload_too_large', `evaluation data has more than ${opts.maxRows} rows`);
      if (!profiler) {
        const unknown = Object.keys(opts.ranges ?? {}).filter((c) => !fieldOf.has(c));
        if (unknown.length > 0)
          throw new DomainError(
            'validation_failed',
            `a range is given for ${unknown.map((c) => `'${c}'`).join(', ')}, which the data does not have`,
            { errors: unknown.map((c) => ({ pointer: `/ranges/${c}`, message: 'no such column' })) },
          );
        profiler = createProfiler(profileColumns, opts.ranges);
      }
      profiler.observeRow(cells, rows, profileAt);
      if (rows === 1) {
        const missing = needed.filter((c) => !fieldOf.has(c));
        if (missing.length > 0)
          throw new DomainError(
            'validation_failed',
            `the data has no column ${missing.map((c) => `'${c}'`).join(', ')}`,
            { errors: missing.map((c) => ({ pointer: `/data/columns/${c}`, message: 'no such column' })) },
          );
        at = {
          label: field(spec.label),
          prediction: spec.prediction ? field(spec.prediction) : -1,
          score: spec.score ? field(spec.score) : -1,
          weight: spec.weight ? field(spec.weight) : -1,
          sensitive: spec.sensitive.map(field),
          features: features.map(field),
        };
        classScoreAt = classScores.map((c) => field(c.column));
      }
      if (classes) {
        for (const [col, i, into] of [
          [spec.label, at.label, classes.yTrue],
          ...(spec.prediction ? [[spec.prediction, at.prediction, classes.yPred]] : []),
        ] as [string, number, string[]][]) {
          const v = cells.string(i);
          if (isMissing(v)) throw bad(rows, col, 'is missing');
          into.push(v.trim());
        }
        for (let k = 0; k < classScores.length; k++) {
          const c = classScores[k]!;
          c.values.push(numberAt(cells, classScoreAt[k]!, c.column, probability, 'a probability between 0 and 1'));
        }
      } else {
        yTrue.push(binaryAt(cells, at.label, spec.label));
        if (spec.prediction) yPred.push(binaryAt(cells, at.prediction, spec.prediction));
      }
      for (let k = 0; k < features.length; k++)
        featureValues.push(
          numberAt(cells, at.features[k]!, features[k]!, anyNumber, 'a number (model inputs must be numeric)'),
        );
      if (spec.score) score!.push(numberAt(cells, at.score, spec.score, probability, 'a probability between 0 and 1'));
      if (spec.weight) weight!.push(numberAt(cells, at.weight, spec.weight, nonNegative, 'a non-negative weight'));
      for (let k = 0; k < spec.sensitive.length; k++) {
        const v = cells.string(at.sensitive[k]!);
        if (isMissing(v)) {
          if (opts.missingSensitiveAs === undefined)
            throw bad(
              rows,
              spec.sensitive[k]!,
              'sensitive value is missing; map missing values to an explicit category (missingSensitiveAs)',
            );
          sensitive[k]!.push(opts.missingSensitiveAs);
        } else sensitive[k]!.push(v);
      }
    },
  };

  const { digest } = await readRecords(
    input,
    format,
    { maxBytes: opts.maxBytes, what: 'evaluation data' },
    take,
    opts.csvRecords ? undefined : rowTaker,
  );
  if (rows === 0)
    throw new DomainError('validation_failed', 'the evaluation data has no rows', {
      errors: [{ pointer: '/data', message: 'empty' }],
    });
  spec.sensitive.forEach((c, k) => (data.sensitive[c] = sensitive[k]!.done()));
  data.yTrue = yTrue.done();
  data.yPred = yPred.done();
  if (score) data.score = score.done();
  if (weight) data.weight = weight.done();
  if (features.length > 0) data.features = { names: features, values: featureValues.done() };
  if (data.classes && classScores.length > 0)
    data.classes.probabilities = Object.fromEntries(classScores.map((c) => [c.label, c.values.done()]));
  return { data, digest, profile: profiler!.report() };
}

/** Takes CSV rows as the reader holds them: the header's names once, then each row. */
export interface CsvRowTaker {
  header(names: string[]): void;
  row(cells: CsvRow): void;
}

// Enough to tell text from binary without decoding a whole upload twice.
const TEXT_CHECK_BYTES = 64 * 1024;

const notText = (what: string, format: DataFormat) =>
  new DomainError(
    'validation_failed',
    `${what} is not ${format === 'csv' ? 'CSV' : 'JSON Lines'} text: it holds bytes that are not UTF-8 text (a binary file?)`,
    { errors: [{ pointer: '/data', message: 'not UTF-8 text' }] },
  );

// What each CSV error (by csv-parse's codes, which the API reports) means, in words that do not quote the offending bytes back.
const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE:
    'a quote appears inside an unquoted field; quote the whole field and double the quotes inside it ("M""x""")',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by something other than a delimiter or end of line',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by something other than a delimiter',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'the row does not have as many fields as the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'the row does not have as many fields as the header',
  CSV_MAX_RECORD_SIZE: 'a row is too large',
  CSV_INVALID_COLUMN_MAPPING: 'the header row has an empty or duplicate column name',
  CSV_OPTION_COLUMNS_MISSING_NAME: 'the header row has an empty column name',
  CSV_INVALID_COLUMN_DEFINITION: 'the header row has an invalid column name',
};

/**
 * A CSV syntax error as a 400 naming the line (1 is the header) and the column, by name when the
 * header gives a short printable one, else by position; never the field's bytes.
 */
function csvProblem(err: CsvSyntaxError): DomainError {
  const e = err;
  const what = CSV_PROBLEMS[err.code] ?? `it cannot be read as CSV (${err.code})`;
  const line = typeof e.lines === 'number' && e.lines > 0 ? e.lines : undefined;
  const column =
    typeof e.column === 'string' && /^[\x20-\x7e]{1,64}$/.test(e.column)
      ? `column '${e.column}'`
      : typeof e.index === 'number'
        ? `column ${e.index + 1}`
        : undefined;
  const where = [line && `line ${line}${line > 1 ? ` (row ${line - 1})` : ' (the header)'}`, column]
    .filter(Boolean)
    .join(', ');
  return new DomainError('validation_failed', `the CSV is malformed${where ? ` at ${where}` : ''}: ${what}`, {
    errors: [{ pointer: line && line > 1 ? `/data/${line - 1}` : '/data', message: what }],
    extra: { csvError: err.code, ...(line ? { line } : {}), ...(column ? { column } : {}) },
  });
}

/**
 * Streams records out of CSV (header row), JSON Lines or Parquet bytes into `take`, one at a time
 * (awaited, so the caller can write batches as it goes), refusing more than `maxBytes`. With
 * `csvRows`, CSV rows go to it instead, as the reader holds them (no record objects). Returns
 * the SHA-256 of the bytes read and how many there were.
 */
export async function readRecords(
  input: Readable,
  format: DataFormat,
  opts: { maxBytes: number; what: string },
  take: (record: Record<string, unknown>) => void | Promise<void>,
  csvRows?: CsvRowTaker,
): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  // Parquet keeps its schema in a footer, so the file is held whole (still bounded by maxBytes).
  const held: Buffer[] | undefined = format === 'parquet' ? [] : undefined;
  // Kept, not only sent through destroy(): a chunk that crosses the limit has already reached the
  // readers, which may then finish normally without ever seeing the error.
  let overflow: DomainError | undefined;
  // Text formats are UTF-8: the first bytes decide, before any parser can quote them back.
  const text = format === 'parquet' ? undefined : new TextDecoder('utf-8', { fatal: true });
  let checked = 0;
  let slice = 0;
  input.on('data', (chunk: Buffer) => {
    if (text && checked < TEXT_CHECK_BYTES && !overflow) {
      const head = chunk.subarray(0, TEXT_CHECK_BYTES - checked);
      checked += head.length;
      let binary: boolean;
      try {
        binary = text.decode(head, { stream: checked < TEXT_CHECK_BYTES }).includes('\u0000');
      } catch {
        binary = true;
      }
      if (binary) {
        overflow = notText(opts.what, format);
        input.destroy(overflow);
        return;
      }
    }
    hash.update(chunk);
    held?.push(chunk);
    bytes += chunk.length;
    if (bytes > opts.maxBytes && !overflow) {
      overflow = new DomainError('payload_too_large', `${opts.what} is larger than ${opts.maxBytes} bytes`);
      input.destroy(overflow);
    }
  });
  try {
    if (format === 'csv' && csvRows) {
      // As below, what taking a row throws is thrown only once the next chunk has been parsed
      // (or the end reached), so malformed CSV there is still reported first.
      let failure: { error: unknown } | undefined;
      let failedAt = 0;
      let chunks = 0;
      let taken = 0;
      // (No closure made per row: tsx names every function it creates, which shows at millions.)
      const failed = (error: unknown) => {
        failure = { error };
        failedAt = chunks;
      };
      const reader = createCsvRowReader({
        header(names) {
          try {
            csvRows.header(names);
          } catch (error) {
            failed(error);
          }
        },
        row(cells) {
          if (failure) return;
          taken++;
          try {
            csvRows.row(cells);
          } catch (error) {
            failed(error);
          }
        },
      });
      for await (const chunk of input) {
        if (overflow) break;
        chunks++;
        reader.push(chunk as Buffer);
        if (failure && chunks > failedAt) throw failure.error;
        // Other requests get the event loop between slices of a large file.
        if (taken >= SLICE_RECORDS) {
          taken = 0;
          await nextTurn();
        }
      }
      if (!overflow) {
        reader.end();
        if (failure) throw failure.error;
      }
    } else if (format === 'csv') {
      // Rows are taken one chunk behind the parser, as csv-parse's stream ran ahead of its reader:
      // malformed CSV in the next chunk (or, for a small file, anywhere) is reported before a bad
      // value in an earlier row, as it was.
      const batch: Record<string, string>[] = [];
      const reader = createCsvReader((record) => batch.push(record));
      const drain = async (n: number) => {
        for (let i = 0; i < n; i++) {
          // Awaited only when the taker is asynchronous: a microtask per row shows at millions of rows.
          const pending = take(batch[i]!);
          if (pending) await pending;
          // Other requests get the event loop between slices of a large file.
          if (++slice === SLICE_RECORDS) {
            slice = 0;
            await nextTurn();
          }
        }
        batch.splice(0, n);
      };
      for await (const chunk of input) {
        if (overflow) break;
        const earlier = batch.length;
        reader.push(chunk as Buffer);
        await drain(earlier);
      }
      if (!overflow) {
        reader.end();
        await drain(batch.length);
      }
    } else if (format === 'parquet') {
      await finished(input);
      if (overflow) throw overflow;
      const whole = Buffer.concat(held!);
      let records: Record<string, unknown>[];
      try {
        records = await parquetReadObjects({
          file: whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) as ArrayBuffer,
        });
      } catch (err) {
        throw new DomainError('validation_failed', `the Parquet file is unreadable: ${(err as Error).message}`, {
          errors: [{ pointer: '/data', message: 'unreadable Parquet' }],
        });
      }
      for (const record of records) {
        for (const k of Object.keys(record)) record[k] = plainCell(record[k]);
        const pending = take(record);
        if (pending) await pending;
        if (++slice === SLICE_RECORDS) {
          slice = 0;
          await nextTurn();
        }
      }
    } else {
      let line = 0;
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        line++;
        if (text.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          throw new DomainError('validation_failed', `line ${line} is not JSON`, {
            errors: [{ pointer: `/data/${line}`, message: 'not JSON' }],
          });
        }
        if (record === null || typeof record !== 'object' || Array.isArray(record))
          throw new DomainError('validation_failed', `line ${line} is not a JSON object`, {
            errors: [{ pointer: `/data/${line}`, message: 'not an object' }],
          });
        // Values are read as text and numbers (String() of a nested array recurses): bound them first.
        for (const v of Object.values(record))
          if (v !== null && typeof v === 'object' && findTooDeep(v, MAX_JSON_DEPTH - 1))
            throw new DomainError('validation_failed', `line ${line} ${TOO_DEEP}`, {
              errors: [{ pointer: `/data/${line}`, message: `nesting deeper than ${MAX_JSON_DEPTH} levels` }],
            });
        const pending = take(record as Record<string, unknown>);
        if (pending) await pending;
        if (++slice === SLICE_RECORDS) {
          slice = 0;
          await nextTurn();
        }
      }
    }
  } catch (err) {
    // The refusal of the bytes themselves comes first: rows read from them may have failed too.
    if (overflow) throw overflow;
    if (err instanceof DomainError) throw err;
    if (err instanceof CsvSyntaxError) throw csvProblem(err);
    throw err;
  }
  if (overflow) throw overflow;
  return { digest: `sha256:${hash.digest('hex')}`, bytes };
}
