import { columnSetsOf, combiner, groupsInOrder, type ChunkedRows } from './binary-rows.ts';
import { evaluationResult, multiclassFairness, type EvaluationResult, type EvaluationSpec } from './evaluate.ts';
import { ascii } from './fairness.ts';
import { multiclassOf, type MulticlassResult } from './multiclass.ts';
import { DomainError } from '../../errors.ts';

/**
 * Multiclass classification (without class probabilities) over rows read a chunk at a time:
 * the same result as `evaluate` over the same rows, to the last bit. Labels and predictions come
 * as codes into `classes`; each group's confusion matrix, weight and weight predicted right are
 * summed in row order, as `multiclass` sums them over the group's rows.
 */

/** Most confusion-matrix cells (groups x classes x classes) an evaluation counts from files. */
export const MOST_MATRIX_CELLS = 1 << 23;

/** A confusion matrix a group, and which classes each group's rows hold at all. */
interface Matrices {
  classes: number;
  cells: Float64Array;
  total: Float64Array;
  correct: Float64Array;
  rows: Float64Array;
  seen: Uint8Array;
}

const matrices = (size: number, classes: number): Matrices => ({
  classes,
  cells: new Float64Array(size * classes * classes),
  total: new Float64Array(size),
  correct: new Float64Array(size),
  rows: new Float64Array(size),
  seen: new Uint8Array(size * classes),
});

/** The k-th group's metrics, over the classes its rows hold (`classes` sorted codes by name). */
function resultOf(m: Matrices, k: number, names: string[], order: number[]): MulticlassResult {
  const K = m.classes;
  const present = order.filter((c) => m.seen[k * K + c]);
  const cm = present.map((t) => present.map((p) => m.cells[(k * K + t) * K + p]!));
  return multiclassOf(
    present.map((c) => names[c]!),
    cm,
    m.total[k]!,
    m.correct[k]!,
  );
}

/** Evaluates multiclass classification over `rows`, whose labels and predictions are codes into `classes`. */
export function evaluateMulticlassRows(spec: EvaluationSpec, rows: ChunkedRows, classes: string[]): EvaluationResult {
  const K = classes.length;
  const sets = columnSetsOf(spec, rows.values).map((set) => {
    if (set.size * K * K > MOST_MATRIX_CELLS)
      throw new DomainError(
        'payload_too_large',
        `${set.size} groups of ${set.names.map((c) => `'${c}'`).join(', ')} with ${K} classes need ${set.size * K * K} confusion-matrix cells, over the ${MOST_MATRIX_CELLS} an evaluation counts`,
      );
    return { ...set, m: matrices(set.size, K) };
  });
  const all = matrices(1, K);
  const combine = combiner(rows.values);
  const add = (m: Matrices, k: number, t: number, p: number, w: number) => {
    m.cells[(k * K + t) * K + p]! += w;
    m.total[k]! += w;
    if (t === p) m.correct[k]! += w;
    m.rows[k]!++;
    m.seen[k * K + t] = 1;
    m.seen[k * K + p] = 1;
  };
  for (const chunk of rows.chunks()) {
    const { yTrue, yPred, weight, length } = chunk;
    for (let i = 0; i < length; i++) add(all, 0, yTrue[i]!, yPred[i]!, weight ? weight[i]! : 1);
    for (const set of sets) {
      const g = combine(chunk, set.columns);
      for (let i = 0; i < length; i++) add(set.m, g[i]!, yTrue[i]!, yPred[i]!, weight ? weight[i]! : 1);
    }
  }
  // Classes by name, as multiclass sorts its labels.
  const order = classes.map((_, c) => c).sort((a, b) => ascii(classes[a]!, classes[b]!));
  const overall = resultOf(all, 0, classes, order);
  const metrics: Record<string, number | null> = {
    accuracy: overall.accuracy,
    'macro-f1': overall.macro.f1,
    'weighted-f1': overall.weighted.f1,
  };
  const fairness: Record<string, unknown> = {};
  for (const set of sets) {
    const rowsOf = (raw: number) => set.m.rows[raw]!;
    const { labels, raws } = groupsInOrder(set.columns, rows.values, set.size, rowsOf);
    fairness[set.names.join(' x ')] = multiclassFairness(
      labels,
      raws.map(rowsOf),
      overall,
      raws.map((raw) => (rowsOf(raw) === 0 ? undefined : resultOf(set.m, raw, classes, order))),
    );
  }
  return evaluationResult(spec, rows.rows, { ...overall }, fairness, metrics);
}
