import type { Readable } from 'node:stream';
import type { CsvRow } from './csv.ts';
import { readRecords, type CsvRowTaker, type DataFormat } from './records.ts';

export { NumberColumn } from './columns.ts';
export { readRecords, type CsvRowTaker, type DataFormat } from './records.ts';
import { specProblems, type EvaluationData, type EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { ByteColumn, CategoryColumn, NumberColumn } from './columns.ts';
import { DomainError } from '../errors.ts';
import { createProfiler, type DataProfile } from '../domain/metrics/data-profile.ts';
import { FileWriter, removeDirectory, SORT_ROWS, SPILL_AFTER_BYTES, spillDirectory } from './spill.ts';
import { join } from 'node:path';

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
  /**
   * Bytes an evaluation in memory may take (its columns, a model's inputs and its working arrays,
   * see inMemoryBytesPerRow) before the columns move to files (default
   * SPILL_AFTER_BYTES), and the scores the ROC then sorts in memory at once (default SORT_ROWS).
   * Infinity keeps every column in memory.
   */
  spillAfterBytes?: number;
  sortRows?: number;
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

/**
 * What a row costs evaluated in memory, in bytes: its columns (for binary classification a byte
 * for the label, the prediction and each group code; a double for the score, the weight and a
 * regression's label and prediction) and what the evaluation adds while it runs. Binary
 * classification: the scores by class, 8; with weights the ROC's radix argsort, 32; a string a
 * row for each column of an intersection and the joined category, about 64; a string a row and a
 * row index for AIF360's privileged split, about 24. Regression: the errors and each group's
 * copies of the labels, predictions and weights and its row indexes for every column set, about
 * 48 and 40 a set, and the sorted predictions for the median, 8. Multiclass: a string reference
 * each for the label and the prediction, 16, and each group's copies and row indexes, about 48 a
 * column set; with class probabilities, a double a row for each class and, one class or pair of
 * classes at a time, its labels, its sorted scores and a pair's row indexes, about 48. A model
 * adds its inputs, a double a feature, its outputs and predictions, 16, and the labels as numbers
 * for its explanations, 8; its binary outputs are scores.
 * Spilling compares the rows read times this with the budget.
 */
export function inMemoryBytesPerRow(spec: EvaluationSpec): number {
  const inputs = spec.features?.length ?? 0;
  return (inputs > 0 ? 8 * inputs + 24 : 0) + columnsBytesPerRow(spec, inputs > 0);
}

function columnsBytesPerRow(spec: EvaluationSpec, model: boolean): number {
  const sets = spec.sensitive.length + (spec.sensitive.length > 1 ? 1 : 0);
  const intersection = spec.sensitive.length > 1 ? 8 * spec.sensitive.length + 48 : 0;
  if (spec.task === 'regression')
    return 16 + (spec.weight ? 8 : 0) + spec.sensitive.length + 48 + 40 * sets + 8 + intersection;
  if (spec.task === 'multiclass-classification')
    return (
      16 +
      (spec.weight ? 8 : 0) +
      spec.sensitive.length +
      48 * sets +
      intersection +
      (spec.classScores ? 8 * Object.keys(spec.classScores).length + 48 : 0)
    );
  const scored = spec.score !== undefined || model;
  const columns = 2 + (scored ? 8 : 0) + (spec.weight ? 8 : 0) + spec.sensitive.length;
  const ranking = scored ? (spec.weight ? 40 : 8) : 0;
  const privileged = spec.privileged && Object.keys(spec.privileged).length > 0 ? 24 : 0;
  return columns + ranking + intersection + privileged;
}

/** Rows between two looks at the columns' size (and, once spilling, between two writes). */
const SPILL_EVERY = 4096;

const bad = (row: number, column: string, message: string) =>
  new DomainError('validation_failed', `row ${row}, column '${column}': ${message}`, {
    errors: [{ pointer: `/data/${row}/${column}`, message }],
  });

// Checks of numeric cells, made once rather than per cell.
const probability = (n: number) => n >= 0 && n <= 1;
const nonNegative = (n: number) => n >= 0;
const anyNumber = () => true;

const isMissing = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

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
  // Binary labels are 0 or 1: a byte a row. The columns the evaluation moves to a worker thread
  // grow in place up to the row limit (no copy joining chunks at the end; see NumberColumn).
  const most = opts.maxRows;
  const yTrue = spec.task === 'binary-classification' ? new ByteColumn(most) : new NumberColumn(most);
  const yPred = spec.task === 'binary-classification' ? new ByteColumn(most) : new NumberColumn(most);
  const score = spec.score ? new NumberColumn(most) : undefined;
  const weight = spec.weight ? new NumberColumn(most) : undefined;
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
    values: new NumberColumn(most),
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
  const featureValues = new NumberColumn(most * features.length);

  const binary = spec.task === 'binary-classification';
  // Past the budget, an evaluation (or a robustness run) goes on from files (src/tabular/spill.ts):
  // every SPILL_EVERY rows the columns gathered so far are written out and forgotten.
  const spillAfter = opts.spillAfterBytes ?? SPILL_AFTER_BYTES;
  // Multiclass labels and predictions go to files as codes into one list of classes.
  const classCodes = new Map<string, number>();
  const codesOf = (labels: string[]) =>
    Uint32Array.from(labels, (label) => {
      let c = classCodes.get(label);
      if (c === undefined) classCodes.set(label, (c = classCodes.size));
      return c;
    });
  const rowBytes = inMemoryBytesPerRow(spec);
  let spill:
    | {
        dir: string;
        yTrue: FileWriter;
        yPred: FileWriter;
        score?: FileWriter;
        weight?: FileWriter;
        codes: FileWriter[];
        classScores: FileWriter[];
        features?: FileWriter;
      }
    | undefined;
  // The directory and every file opened in it, known as soon as each exists, for the cleanup.
  let spillDir: string | undefined;
  const writers: FileWriter[] = [];
  const drain = (into: NonNullable<typeof spill>) => {
    const write = (w: FileWriter) => (values: ArrayBufferView) => w.write(values);
    // Drained every SPILL_EVERY rows from now on, a column needs chunks of no more (with many
    // class probability columns, chunks of 65,536 doubles each would add up).
    const next = SPILL_EVERY;
    if (classes) {
      into.yTrue.write(codesOf(classes.yTrue));
      into.yPred.write(codesOf(classes.yPred));
      classes.yTrue.length = 0;
      classes.yPred.length = 0;
    } else {
      yTrue.drain(write(into.yTrue), next);
      yPred.drain(write(into.yPred), next);
    }
    score?.drain(write(into.score!), next);
    weight?.drain(write(into.weight!), next);
    sensitive.forEach((c, k) => c.drain(write(into.codes[k]!)));
    classScores.forEach((c, k) => c.values.drain(write(into.classScores[k]!), next));
    if (into.features) featureValues.drain(write(into.features), next * features.length);
  };
  const afterRow = (last = false) => {
    if ((!last && (rows & (SPILL_EVERY - 1)) !== 0) || spillAfter === Infinity) return;
    if (!spill) {
      if (rows * rowBytes <= spillAfter) return;
      const dir = (spillDir = spillDirectory());
      const file = (name: string) => {
        const w = new FileWriter(join(dir, name));
        writers.push(w);
        return w;
      };
      spill = {
        dir,
        yTrue: file('y-true'),
        yPred: file('y-pred'),
        codes: spec.sensitive.map((_, k) => file(`codes-${k}`)),
        classScores: classScores.map((_, k) => file(`class-${k}`)),
        ...(features.length > 0 ? { features: file('features') } : {}),
        ...(score ? { score: file('score') } : {}),
        ...(weight ? { weight: file('weight') } : {}),
      };
    }
    drain(spill);
  };
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
    afterRow();
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
  // once target() has read them, answer without reading them again; one-byte labels ('0', '1')
  // answer by their byte.
  let positiveText: string | undefined;
  let negativeText: string | undefined;
  let positiveByte = -1;
  let negativeByte = -1;
  const binaryAt = (cells: CsvRow, i: number, column: string): number => {
    if (!binary) return target(cells.string(i), rows, column);
    const b = cells.byteOf(i);
    if (b >= 0) {
      if (b === positiveByte) return 1;
      if (b === negativeByte) return 0;
    }
    const v = cells.string(i);
    if (v === positiveText) return 1;
    if (v === negativeText) return 0;
    const y = target(v, rows, column);
    if (y === 1) {
      positiveText = v;
      positiveByte = b;
    } else {
      negativeText = v;
      negativeByte = b;
    }
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
        const i = at.sensitive[k]!;
        // A one-byte value (never missing) once seen is known by its byte.
        const b = cells.byteOf(i);
        if (b >= 0 && sensitive[k]!.pushByte(b)) continue;
        const v = cells.string(i);
        if (isMissing(v)) {
          if (opts.missingSensitiveAs === undefined)
            throw bad(
              rows,
              spec.sensitive[k]!,
              'sensitive value is missing; map missing values to an explicit category (missingSensitiveAs)',
            );
          sensitive[k]!.push(opts.missingSensitiveAs);
        } else sensitive[k]!.push(v, b);
      }
      afterRow();
    },
  };

  let digest: string;
  try {
    ({ digest } = await readRecords(
      input,
      format,
      { maxBytes: opts.maxBytes, what: 'evaluation data' },
      take,
      opts.csvRecords ? undefined : rowTaker,
    ));
    if (rows === 0)
      throw new DomainError('validation_failed', 'the evaluation data has no rows', {
        errors: [{ pointer: '/data', message: 'empty' }],
      });
    // The last rows decide too: a file over the budget by fewer than SPILL_EVERY rows spills at its end.
    afterRow(true);
    for (const w of writers) w.close();
  } catch (err) {
    // Closed before removed: a file deleted while open keeps its disk space until it is closed.
    for (const w of writers) w.discard();
    if (spillDir) removeDirectory(spillDir);
    throw err;
  }
  if (spill) {
    const values = sensitive.map((c) => c.distinct);
    spec.sensitive.forEach((c, k) => (data.sensitive[c] = { codes: new Uint8Array(0), values: values[k]! }));
    data.yTrue = new Uint8Array(0);
    data.yPred = new Uint8Array(0);
    data.spilled = {
      dir: spill.dir,
      rows,
      sortRows: opts.sortRows ?? SORT_ROWS,
      labels: binary ? 'byte' : classes ? 'code' : 'double',
      ...(classes ? { classes: [...classCodes.keys()] } : {}),
      ...(classScores.length > 0 ? { classScores: classScores.map((c) => c.label) } : {}),
      columns: {
        yTrue: spill.yTrue.path,
        yPred: spill.yPred.path,
        ...(spill.score ? { score: spill.score.path } : {}),
        ...(spill.weight ? { weight: spill.weight.path } : {}),
        codes: spill.codes.map((w) => w.path),
        ...(classScores.length > 0 ? { classScores: spill.classScores.map((w) => w.path) } : {}),
        ...(spill.features ? { features: spill.features.path } : {}),
      },
      values,
    };
    return { data, digest, profile: profiler!.report() };
  }
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
