import { logLossTerm, type Confusion } from './classification.ts';
import {
  binaryFairness,
  binaryPerformance,
  columnSets,
  evaluationResult,
  ratesOf,
  type BinaryGroupCounts,
  type EvaluationResult,
  type EvaluationSpec,
} from './evaluate.ts';
import { aif360ClassicOf, aif360SklearnOf, ascii } from './fairness.ts';
import { impactRatiosOf } from './impact-ratio.ts';
import type { RankedScores } from './ranked-blocks.ts';
import { DomainError } from '../../errors.ts';

/**
 * Binary classification over rows read a chunk at a time (rows too many to hold at once): the
 * same result as `evaluate` over the same rows, to the last bit. Everything but the scores'
 * ranking is a count or a sum per chunk carried over in row order; the ranking (ROC AUC, the
 * curve, the median) is the caller's, from the scores sorted outside memory.
 */

/** Consecutive rows: the first `length` values of each array (labels a byte for binary classification, doubles for regression, class codes for multiclass). */
export interface RowChunk {
  length: number;
  yTrue: Uint8Array | Float64Array | Uint32Array;
  yPred: Uint8Array | Float64Array | Uint32Array;
  score?: Float64Array | undefined;
  weight?: Float64Array | undefined;
  /** A code a row for each sensitive column in the spec's order: code k stands for that column's values[k]. */
  codes: Uint32Array[];
  /** Multiclass: each class probability column, in ChunkedRows.classScores' order. */
  classScores?: Float64Array[] | undefined;
}

export interface ChunkedRows {
  rows: number;
  /** Each sensitive column's distinct values (spec order), every one of which occurs. */
  values: string[][];
  /** Multiclass: the class of each probability column the chunks carry. */
  classScores?: string[] | undefined;
  /** The rows from the first, a chunk at a time; callable more than once. */
  chunks(): Iterable<RowChunk>;
}

/**
 * The column sets fairness is computed over (each sensitive column, then all of them when there
 * are several) as indexes into the spec's columns, each with its number of raw combinations.
 */
export function columnSetsOf(
  spec: EvaluationSpec,
  values: string[][],
): { names: string[]; columns: number[]; size: number }[] {
  return columnSets(spec).map((names) => {
    const columns = names.map((name) => spec.sensitive.indexOf(name));
    const size = columns.reduce((p, c) => p * values[c]!.length, 1);
    if (size > MOST_INTERSECTIONS)
      throw new DomainError(
        'payload_too_large',
        `the sensitive columns ${names.map((c) => `'${c}'`).join(', ')} have ${size} combinations of values, over the ${MOST_INTERSECTIONS} an evaluation counts`,
      );
    return { names, columns, size };
  });
}

/** Each row's raw combination of the codes of `columns` in a chunk (mixed radix, the first column most significant). */
export function combiner(values: string[][]): (chunk: RowChunk, columns: number[]) => ArrayLike<number> {
  let combination = new Uint32Array(0);
  return (chunk, columns) => {
    if (columns.length === 1) return chunk.codes[columns[0]!]!;
    if (combination.length < chunk.length) combination = new Uint32Array(chunk.length);
    combination.fill(0, 0, chunk.length);
    for (const c of columns) {
      const codes = chunk.codes[c]!;
      const size = values[c]!.length;
      for (let i = 0; i < chunk.length; i++) combination[i] = combination[i]! * size + codes[i]!;
    }
    return combination;
  };
}

/**
 * The groups of a column set in groupRows' order (each column's values that occur, ascending;
 * every combination of them in order), as labels and the raw combination each stands for.
 * `rowsOf(raw)` says how many rows a raw combination has.
 */
export function groupsInOrder(
  columns: number[],
  values: string[][],
  size: number,
  rowsOf: (raw: number) => number,
): { labels: (string | string[])[]; raws: number[] } {
  const strides = columns.map((_, j) => columns.slice(j + 1).reduce((p, c) => p * values[c]!.length, 1));
  const occurring = columns.map((c, j) => {
    const seen = new Uint8Array(values[c]!.length);
    for (let raw = 0; raw < size; raw++)
      if (rowsOf(raw) > 0) seen[Math.floor(raw / strides[j]!) % values[c]!.length] = 1;
    return values[c]!.map((_, k) => k)
      .filter((k) => seen[k])
      .sort((a, b) => ascii(values[c]![a]!, values[c]![b]!));
  });
  let combos: number[][] = [[]];
  for (const codes of occurring) combos = combos.flatMap((t) => codes.map((k) => [...t, k]));
  const single = columns.length === 1;
  return {
    labels: combos.map((t) => (single ? values[columns[0]!]![t[0]!]! : t.map((k, j) => values[columns[j]!]![k]!))),
    raws: combos.map((t) => t.reduce((p, k, j) => p + k * strides[j]!, 0)),
  };
}

/**
 * LL144's categories of a column set: each group with rows, named by its values joined (as one
 * string a row would be), with its rows and hits; groups whose names coincide are one category.
 */
export function categoriesOf(
  labels: (string | string[])[],
  raws: number[],
  rowsOf: (raw: number) => number,
  hits: (raw: number) => number,
): Map<string, { count: number; hits: number }> {
  const by = new Map<string, { count: number; hits: number }>();
  raws.forEach((raw, g) => {
    const count = rowsOf(raw);
    if (count === 0) return;
    const label = labels[g]!;
    const name = typeof label === 'string' ? label : label.join(' / ');
    const e = by.get(name);
    if (e) {
      e.count += count;
      e.hits += hits(raw);
    } else by.set(name, { count, hits: hits(raw) });
  });
  return by;
}

/** Most combinations of sensitive values an intersection is counted over. */
export const MOST_INTERSECTIONS = 1 << 22;

/** Counts for one set of sensitive columns, by raw combination of codes (mixed radix, first column most significant). */
interface SetCounts {
  /** The column set's names, as columnSets gives them, and their indexes among the spec's sensitive columns. */
  names: string[];
  columns: number[];
  size: number;
  /** Rows a cell: combination * 4 + truth * 2 + prediction. */
  ints: Float64Array;
  /** Weight a cell and a combination, summed in row order (weighted only). */
  cells?: Float64Array;
  totals?: Float64Array;
  /** Rows scoring above the median, a combination. */
  above?: Float64Array;
  /** Single column with a privileged value: its code, and the two sides' counts. */
  privileged?: { value: string; code: number; p: Confusion; u: Confusion };
}

const emptyConfusion = (): Confusion => ({ tn: 0, fp: 0, fn: 0, tp: 0, w: 0, n: 0 });
const CELL: (keyof Confusion)[] = ['tn', 'fp', 'fn', 'tp'];

/**
 * Evaluates binary classification over `rows`; `rank`, given when the rows have scores (a score
 * column, or a model's), gives their ranking (it is asked once, after the first pass).
 */
export function evaluateBinaryRows(
  spec: EvaluationSpec,
  rows: ChunkedRows,
  rank: (() => RankedScores) | undefined,
): EvaluationResult {
  const weighted = spec.weight !== undefined;
  const scored = rank !== undefined;
  const sets: SetCounts[] = columnSetsOf(spec, rows.values).map(({ names, columns, size }) => {
    const privileged = columns.length === 1 ? spec.privileged?.[spec.sensitive[columns[0]!]!] : undefined;
    return {
      names,
      columns,
      size,
      ints: new Float64Array(size * 4),
      ...(weighted ? { cells: new Float64Array(size * 4), totals: new Float64Array(size) } : {}),
      ...(scored ? { above: new Float64Array(size) } : {}),
      ...(privileged !== undefined
        ? {
            privileged: {
              value: privileged,
              code: rows.values[columns[0]!]!.indexOf(privileged),
              p: emptyConfusion(),
              u: emptyConfusion(),
            },
          }
        : {}),
    };
  });

  // The first pass: every count and sum but the ranking's.
  const overallInts = new Float64Array(4);
  const overallCells = new Float64Array(4);
  let overallW = 0;
  let lossSum = 0;
  let lossW = 0;
  let n = 0;
  const combine = combiner(rows.values);
  for (const chunk of rows.chunks()) {
    const { yTrue, yPred, score, weight, length } = chunk;
    n += length;
    for (let i = 0; i < length; i++) {
      const k = (+(yTrue[i] === 1) << 1) | +(yPred[i] === 1);
      overallInts[k]!++;
      if (weight) {
        overallCells[k]! += weight[i]!;
        overallW += weight[i]!;
      }
      if (score) {
        const w = weight ? weight[i]! : 1;
        lossSum += w * logLossTerm(yTrue[i]!, score[i]!);
        lossW += w;
      }
    }
    for (const set of sets) {
      const g = combine(chunk, set.columns);
      const { ints, cells, totals, privileged } = set;
      for (let i = 0; i < length; i++) {
        const k = (+(yTrue[i] === 1) << 1) | +(yPred[i] === 1);
        const at = g[i]! * 4 + k;
        ints[at]!++;
        if (weight) {
          cells![at]! += weight[i]!;
          totals![g[i]!]! += weight[i]!;
        }
        if (privileged) {
          const side = g[i] === privileged.code ? privileged.p : privileged.u;
          const w = weight ? weight[i]! : 1;
          side[CELL[k]!] += w;
          side.w += w;
          side.n++;
        }
      }
    }
  }
  const overall: Confusion = weighted
    ? { tn: overallCells[0]!, fp: overallCells[1]!, fn: overallCells[2]!, tp: overallCells[3]!, w: overallW, n }
    : { tn: overallInts[0]!, fp: overallInts[1]!, fn: overallInts[2]!, tp: overallInts[3]!, w: n, n };

  const ranked = rank?.();
  if (ranked) {
    // The second pass: who scores above the median, by combination.
    for (const chunk of rows.chunks()) {
      const score = chunk.score!;
      for (const set of sets) {
        const g = combine(chunk, set.columns);
        const above = set.above!;
        for (let i = 0; i < chunk.length; i++) above[g[i]!]! += +(score[i]! > ranked.median);
      }
    }
  }

  const rates = ratesOf(spec);
  const metrics: Record<string, number | null> = {};
  const performance = binaryPerformance(
    overall,
    rates,
    ranked && { rocAuc: ranked.rocAuc, logLoss: lossSum / lossW, roc: ranked.roc },
    metrics,
  );
  const fairness: Record<string, unknown> = {};
  binaryFairness(spec, overall, rates, metrics, fairness, (cols) => {
    // Each column set by its fairness key, as columnSets names it for both.
    const set = sets.find((s) => s.names.join(' x ') === cols.join(' x '))!;
    return groupCounts(set, rows.values, n, ranked?.median);
  });
  return evaluationResult(spec, n, performance, fairness, metrics);
}

/** One column set's counts in groupRows' order (each column's values ascending, their product in order). */
function groupCounts(set: SetCounts, values: string[][], n: number, median: number | undefined): BinaryGroupCounts {
  const { ints, cells, totals, above } = set;
  const rowsOf = (raw: number) => ints[raw * 4]! + ints[raw * 4 + 1]! + ints[raw * 4 + 2]! + ints[raw * 4 + 3]!;
  const { labels, raws } = groupsInOrder(set.columns, values, set.size, rowsOf);
  const perGroup = raws.map((raw): Confusion => {
    const c = cells ?? ints;
    const [tn, fp, fn, tp] = [c[raw * 4]!, c[raw * 4 + 1]!, c[raw * 4 + 2]!, c[raw * 4 + 3]!];
    return { tn, fp, fn, tp, w: totals ? totals[raw]! : tn + fp + fn + tp, n: rowsOf(raw) };
  });
  const privileged = set.privileged;
  return {
    labels,
    perGroup,
    selection: impactRatiosOf(
      categoriesOf(labels, raws, rowsOf, (raw) => ints[raw * 4 + 1]! + ints[raw * 4 + 3]!),
      n,
      'selection',
    ),
    ...(above && median !== undefined
      ? {
          scoring: impactRatiosOf(
            categoriesOf(labels, raws, rowsOf, (raw) => above[raw]!),
            n,
            'scoring',
            median,
          ),
        }
      : {}),
    ...(privileged
      ? {
          aif360: aif360SklearnOf(privileged.p, privileged.u, privileged.value),
          aif360Classic: aif360ClassicOf(privileged.p, privileged.u, privileged.value),
        }
      : {}),
  };
}
