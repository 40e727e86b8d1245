import { logLoss, rocAuc } from '../metrics/classification.ts';
import { REGRESSION } from '../metrics/regression.ts';
import { LOWER_IS_BETTER, ROBUSTNESS_METRICS } from './options.ts';

export type RobustnessTask = keyof typeof ROBUSTNESS_METRICS;

/**
 * The labels a run scores predictions against: binary labels as 0/1, class codes (multiclass, in
 * the predictor's coding), or values (regression), with optional sample weights.
 */
export interface Truth {
  task: RobustnessTask;
  yTrue: Float64Array;
  weight?: Float64Array;
}

/** What the model said for each sampled row: the score or value (`output`) and the prediction (`target`). */
export interface Predictions {
  output: Float64Array;
  target: Float64Array;
}

const gather = (xs: Float64Array, rows: Int32Array | undefined): Float64Array => {
  if (!rows) return xs;
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = xs[rows[k]!]!;
  return out;
};

/** Macro-averaged F1 over the classes seen in the truth or the predictions (scikit-learn's default labels). */
function macroF1(y: Float64Array, p: Float64Array, w?: Float64Array): number {
  const tp = new Map<number, number>();
  const pred = new Map<number, number>();
  const real = new Map<number, number>();
  const add = (m: Map<number, number>, k: number, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i]! : 1;
    add(real, y[i]!, wi);
    add(pred, p[i]!, wi);
    if (y[i] === p[i]) add(tp, y[i]!, wi);
  }
  const labels = new Set([...real.keys(), ...pred.keys()]);
  if (labels.size === 0) return NaN;
  let sum = 0;
  for (const l of labels) {
    const t = tp.get(l) ?? 0;
    const d = (pred.get(l) ?? 0) + (real.get(l) ?? 0);
    sum += d === 0 ? 0 : (2 * t) / d;
  }
  return sum / labels.size;
}

function accuracy(y: Float64Array, p: Float64Array, w?: Float64Array): number {
  let right = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i]! : 1;
    sw += wi;
    if (y[i] === p[i]) right += wi;
  }
  return sw === 0 ? NaN : right / sw;
}

/** Binary F1 with scikit-learn's zero_division 0: 2tp / (2tp + fp + fn). */
function f1(y: Float64Array, p: Float64Array, w?: Float64Array): number {
  let tp = 0;
  let wrong = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i]! : 1;
    if (y[i] === 1 && p[i] === 1) tp += wi;
    else if (y[i] === 1 || p[i] === 1) wrong += wi;
  }
  return 2 * tp + wrong === 0 ? 0 : (2 * tp) / (2 * tp + wrong);
}

/**
 * The task's robustness metrics of `predictions` on the rows selected by `rows` (all when
 * undefined): binary accuracy, F1, ROC AUC and log loss; multiclass accuracy and macro F1;
 * regression MAE, RMSE and R². Undefined values (a group with one class has no AUC) are NaN.
 */
export function scoreRows(truth: Truth, predictions: Predictions, rows?: Int32Array): Record<string, number> {
  const y = gather(truth.yTrue, rows);
  const w = truth.weight && gather(truth.weight, rows);
  const target = gather(predictions.target, rows);
  if (truth.task === 'regression')
    return {
      mae: REGRESSION.mae!(y, target, w),
      rmse: REGRESSION.rmse!(y, target, w),
      r2: REGRESSION.r2!(y, target, w),
    };
  if (truth.task === 'multiclass-classification')
    return { accuracy: accuracy(y, target, w), 'macro-f1': macroF1(y, target, w) };
  const output = gather(predictions.output, rows);
  return {
    accuracy: accuracy(y, target, w),
    f1: f1(y, target, w),
    auc: y.length === 0 ? NaN : rocAuc(y, output, w),
    'log-loss': y.length === 0 ? NaN : logLoss(y, output, w),
  };
}

/** How much worse each metric is than at baseline: baseline - value, or value - baseline where lower is better. */
export function degradation(baseline: Record<string, number>, value: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(baseline).map((m) => [m, LOWER_IS_BETTER.has(m) ? value[m]! - baseline[m]! : baseline[m]! - value[m]!]),
  );
}
