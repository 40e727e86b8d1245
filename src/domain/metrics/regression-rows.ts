import { categoriesOf, columnSetsOf, combiner, groupsInOrder, type ChunkedRows } from './binary-rows.ts';
import {
  evaluationResult,
  regressionFairness,
  REGRESSION_METRICS,
  type EvaluationResult,
  type EvaluationSpec,
} from './evaluate.ts';
import { impactRatiosOf } from './impact-ratio.ts';

/**
 * Regression over rows read a chunk at a time (rows too many to hold at once): the same result
 * as `evaluate` over the same rows, to the last bit. The sums `REGRESSION` makes over all rows or
 * a group's rows are made here per group and overall in the same row order: a first pass for
 * the weighted squared and absolute errors and the weighted mean of the labels, a second for
 * R²'s total sum of squares around that mean and for who is predicted above the median.
 */

/** The sums of one group (or of all rows) in the order REGRESSION adds them. */
interface Sums {
  n: number;
  /** Weights. */
  w: Float64Array;
  squared: Float64Array;
  absolute: Float64Array;
  /** Weighted labels, then (second pass) weighted squared distances from their mean. */
  labels: Float64Array;
  total: Float64Array;
  rows: Float64Array;
  above: Float64Array;
}

const sums = (size: number): Sums => ({
  n: size,
  w: new Float64Array(size),
  squared: new Float64Array(size),
  absolute: new Float64Array(size),
  labels: new Float64Array(size),
  total: new Float64Array(size),
  rows: new Float64Array(size),
  above: new Float64Array(size),
});

/** The four metrics of the k-th sums, as REGRESSION computes them from the same sums. */
function metricsOf(s: Sums, k: number): Record<string, number> {
  const mse = s.w[k] === 0 ? NaN : s.squared[k]! / s.w[k]!;
  const res = s.squared[k]!;
  const r2 = s.rows[k]! < 2 ? NaN : res === 0 ? 1 : s.total[k] === 0 ? 0 : 1 - res / s.total[k]!;
  return { mse, rmse: Math.sqrt(mse), mae: s.w[k] === 0 ? NaN : s.absolute[k]! / s.w[k]!, r2 };
}

/**
 * Evaluates regression over `rows`; `median` gives the median prediction over all rows (asked
 * once, after the first pass), which LL144's scoring rates compare each prediction with.
 */
export function evaluateRegressionRows(
  spec: EvaluationSpec,
  rows: ChunkedRows,
  median: () => number,
): EvaluationResult {
  const sets = columnSetsOf(spec, rows.values).map((set) => ({ ...set, sums: sums(set.size) }));
  const all = sums(1);
  const combine = combiner(rows.values);
  const add = (s: Sums, k: number, y: number, e: number, w: number) => {
    s.w[k]! += w;
    s.squared[k]! += w * e ** 2;
    s.absolute[k]! += w * Math.abs(e);
    s.labels[k]! += w * y;
    s.rows[k]!++;
  };
  for (const chunk of rows.chunks()) {
    const { yTrue, yPred, weight, length } = chunk;
    for (let i = 0; i < length; i++) add(all, 0, yTrue[i]!, yTrue[i]! - yPred[i]!, weight ? weight[i]! : 1);
    for (const set of sets) {
      const g = combine(chunk, set.columns);
      for (let i = 0; i < length; i++) add(set.sums, g[i]!, yTrue[i]!, yTrue[i]! - yPred[i]!, weight ? weight[i]! : 1);
    }
  }
  const middle = median();
  // Each mean as REGRESSION's weightedMean gives it (NaN without weight).
  const means = (s: Sums) => Float64Array.from(s.w, (w, k) => (w === 0 ? NaN : s.labels[k]! / w));
  const allMeans = means(all);
  const setMeans = sets.map((set) => means(set.sums));
  for (const chunk of rows.chunks()) {
    const { yTrue, yPred, weight, length } = chunk;
    for (let i = 0; i < length; i++) all.total[0]! += (weight ? weight[i]! : 1) * (yTrue[i]! - allMeans[0]!) ** 2;
    sets.forEach((set, j) => {
      const g = combine(chunk, set.columns);
      const mean = setMeans[j]!;
      const { total, above } = set.sums;
      for (let i = 0; i < length; i++) {
        total[g[i]!]! += (weight ? weight[i]! : 1) * (yTrue[i]! - mean[g[i]!]!) ** 2;
        above[g[i]!]! += +(yPred[i]! > middle);
      }
    });
  }

  const overall = metricsOf(all, 0);
  const performance = Object.fromEntries(REGRESSION_METRICS.map((m) => [m, overall[m]!]));
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(performance)) metrics[k] = Number.isFinite(v) ? v : null;
  const fairness: Record<string, unknown> = {};
  for (const set of sets) {
    const s = set.sums;
    const rowsOf = (raw: number) => s.rows[raw]!;
    const { labels, raws } = groupsInOrder(set.columns, rows.values, set.size, rowsOf);
    const byGroup = raws.map((raw) => (s.rows[raw] === 0 ? undefined : metricsOf(s, raw)));
    fairness[set.names.join(' x ')] = regressionFairness(
      labels,
      raws.map(rowsOf),
      overall,
      Object.fromEntries(REGRESSION_METRICS.map((m) => [m, byGroup.map((g) => (g ? g[m]! : NaN))])),
      impactRatiosOf(
        categoriesOf(labels, raws, rowsOf, (raw) => s.above[raw]!),
        rows.rows,
        'scoring',
        middle,
      ),
    );
  }
  return evaluationResult(spec, rows.rows, performance, fairness, metrics);
}
