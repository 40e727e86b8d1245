import { columnSetsOf, combiner, groupsInOrder, type ChunkedRows, type RowChunk } from './binary-rows.ts';
import {
  evaluationResult,
  multiclassFairness,
  multiclassPerformance,
  type EvaluationResult,
  type EvaluationSpec,
} from './evaluate.ts';
import { ascii } from './fairness.ts';
import { multiclassOf, multiclassProbabilisticOf, type MulticlassResult } from './multiclass.ts';
import type { SortedBlock } from './ranked-blocks.ts';
import { DomainError } from '../../errors.ts';

/**
 * Multiclass classification over rows read a chunk at a time: the same result as `evaluate` over
 * the same rows, to the last bit. Labels and predictions come as codes into `classes`; each
 * group's confusion matrix, weight and weight predicted right are summed in row order, as
 * `multiclass` sums them over the group's rows. With class probabilities, the log loss and each
 * class's prevalence are summed in row order too, and each class's probabilities, sorted outside
 * memory by the caller, are walked once for its one-vs-rest AUC and its one-vs-one pairs.
 */

/**
 * One probability column's values sorted ascending (stably: equal values in row order), each with
 * its row's true class code as the label and its weight, handed to `use` as blocks from the lowest
 * up; `column` indexes ChunkedRows.classScores.
 */
export type SortedClassScores = <T>(column: number, use: (up: Iterable<SortedBlock>) => T) => T;

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
export function evaluateMulticlassRows(
  spec: EvaluationSpec,
  rows: ChunkedRows,
  classes: string[],
  sorted?: SortedClassScores,
): EvaluationResult {
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
  const probabilities = rows.classScores && sums(rows.classScores, classes, spec.weight !== undefined);
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
    probabilities?.add(chunk);
    for (const set of sets) {
      const g = combine(chunk, set.columns);
      for (let i = 0; i < length; i++) add(set.m, g[i]!, yTrue[i]!, yPred[i]!, weight ? weight[i]! : 1);
    }
  }
  // Classes by name, as multiclass sorts its labels.
  const order = classes.map((_, c) => c).sort((a, b) => ascii(classes[a]!, classes[b]!));
  const overall = resultOf(all, 0, classes, order);
  const metrics: Record<string, number | null> = {};
  const performance = multiclassPerformance(overall, probabilities && sorted && probabilities.result(sorted), metrics);
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
  return evaluationResult(spec, rows.rows, performance, fairness, metrics);
}

/**
 * The probabilistic sums of `multiclassProbabilistic`, over chunks: `names` are the classes of the
 * probability columns (in the chunks' order), `classes` what the label codes stand for.
 */
function sums(names: string[], classes: string[], weighted: boolean) {
  const K = names.length;
  // The columns in the order of their classes' names, as multiclassProbabilistic sorts them.
  const order = names.map((_, k) => k).sort((a, b) => ascii(names[a]!, names[b]!));
  const codeOf = new Map(classes.map((name, code) => [name, code]));
  const codes = names.map((name) => codeOf.get(name) ?? -1);
  // The probability column of each label code's class, or -1.
  const columnOf = new Int32Array(classes.length).fill(-1);
  codes.forEach((code, k) => code >= 0 && (columnOf[code] = k));
  const eps = Number.EPSILON;
  let loss = 0;
  let wsum = 0;
  let covered = true;
  const prevalence = new Float64Array(K);
  const truths = new Float64Array(classes.length);
  return {
    add(chunk: RowChunk): void {
      const { yTrue, weight, length } = chunk;
      const p = chunk.classScores!;
      for (let i = 0; i < length; i++) {
        let total = 0;
        for (let j = 0; j < K; j++) total += Math.min(Math.max(p[order[j]!]![i]!, eps), 1 - eps);
        const own = columnOf[yTrue[i]!]!;
        if (own < 0) covered = false;
        const w = weight ? weight[i]! : 1;
        if (own >= 0) loss += w * -Math.log(Math.min(Math.max(p[own]![i]!, eps), 1 - eps) / total);
        wsum += w;
        // Each class's prevalence adds w times 1 or 0 every row, as its one-vs-rest labels do.
        for (let j = 0; j < K; j++) prevalence[j]! += w * (order[j] === own ? 1 : 0);
        truths[yTrue[i]!]!++;
      }
    },
    result(sorted: SortedClassScores) {
      const count = (k: number) => (codes[k]! < 0 ? 0 : truths[codes[k]!]!);
      // A class no row holds has no positives: its AUC is undefined without a walk.
      const walks = names.map((_, k) =>
        count(k) === 0
          ? { auc: NaN, wins: new Float64Array(0) }
          : sorted(k, (up) => walkClass(up, codes[k]!, count(k), classes.length, !weighted)),
      );
      const ovr = order.map((k, j) => ({ label: names[k]!, auc: walks[k]!.auc, prevalence: prevalence[j]! }));
      let pairs: number[] | undefined;
      if (!weighted) {
        pairs = [];
        for (let a = 0; a < K; a++) {
          for (let b = a + 1; b < K; b++) {
            const ka = order[a]!;
            const kb = order[b]!;
            const na = count(ka);
            const nb = count(kb);
            const ab = na === 0 || nb === 0 ? NaN : walks[ka]!.wins[codes[kb]!]! / (na * nb);
            const ba = na === 0 || nb === 0 ? NaN : walks[kb]!.wins[codes[ka]!]! / (nb * na);
            pairs.push((ab + ba) / 2);
          }
        }
      }
      return multiclassProbabilisticOf(covered ? loss / wsum : NaN, ovr, pairs);
    },
  };
}

/**
 * One class's probabilities walked up from the lowest: its one-vs-rest ROC AUC with the sums and
 * order of `rocAuc` (`own` the positive code), and with `pairs`, for each other class b the
 * one-vs-one pairs it wins: over its `owned` rows and b's, how many of its rows score above one
 * of b's (ties count one half). Counts are whole or half numbers below 2^52, so they are exact
 * in any order.
 */
function walkClass(
  blocks: Iterable<SortedBlock>,
  own: number,
  owned: number,
  classes: number,
  pairs: boolean,
): { auc: number; wins: Float64Array } {
  const wins = new Float64Array(pairs ? classes : 0);
  // Rows of each class at the current threshold, and which classes those are.
  const here = new Float64Array(pairs ? classes : 0);
  const touched = new Uint32Array(pairs ? classes : 0);
  let touchedHere = 0;
  let ownBelow = 0;
  let current = NaN;
  let seen = false;
  let posHere = 0;
  let negHere = 0;
  let negBelow = 0;
  let sum = 0;
  let pos = 0;
  let neg = 0;
  const close = () => {
    sum += posHere * negBelow + 0.5 * posHere * negHere;
    negBelow += negHere;
    pos += posHere;
    neg += negHere;
    posHere = 0;
    negHere = 0;
    if (!pairs) return;
    const ownHere = here[own]!;
    const above = owned - ownBelow - ownHere;
    for (let t = 0; t < touchedHere; t++) {
      const c = touched[t]!;
      if (c !== own) wins[c]! += here[c]! * above + 0.5 * here[c]! * ownHere;
      here[c] = 0;
    }
    ownBelow += ownHere;
    touchedHere = 0;
  };
  for (const b of blocks) {
    const { score, label, weight } = b;
    for (let i = 0; i < b.length; i++) {
      const v = score[i]!;
      // Equal scores, -0 and +0 among them, are one threshold.
      if (v !== current) {
        if (seen) close();
        current = v;
        seen = true;
      }
      const c = label[i]!;
      const w = weight ? weight[i]! : 1;
      if (c === own) posHere += w;
      else negHere += w;
      if (pairs) {
        if (here[c] === 0) touched[touchedHere++] = c;
        here[c]!++;
      }
    }
  }
  if (seen) close();
  return { auc: pos === 0 || neg === 0 ? NaN : sum / (pos * neg), wins };
}
