import { rocAuc as rocAucOf } from './classification.ts';

/**
 * Multiclass classification metrics with scikit-learn's averaging options: per-class precision,
 * recall and F1 (0/0 -> 0.0), their `macro` (unweighted mean over labels), `weighted` (mean
 * weighted by support) and `micro` (global counts, equal to accuracy for single-label data)
 * averages, and the confusion matrix (rows = true class, columns = predicted, labels sorted).
 */
export interface MulticlassResult {
  labels: string[];
  accuracy: number;
  confusionMatrix: number[][];
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  micro: { precision: number; recall: number; f1: number };
}

const div0 = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

export function multiclass(yTrue: string[], yPred: string[], weights?: ArrayLike<number>): MulticlassResult {
  const labels = [...new Set([...yTrue, ...yPred])].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const cm = labels.map(() => labels.map(() => 0));
  let total = 0;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weights ? weights[i]! : 1;
    cm[index.get(yTrue[i]!)!]![index.get(yPred[i]!)!]! += w;
    total += w;
    if (yTrue[i] === yPred[i]) correct += w;
  }
  return multiclassOf(labels, cm, total, correct);
}

/**
 * The metrics from the confusion matrix over `labels` (sorted; every label some row holds as its
 * truth or its prediction), its weight in all and the weight predicted right.
 */
export function multiclassOf(labels: string[], cm: number[][], total: number, correct: number): MulticlassResult {
  const perClass = labels.map((label, k) => {
    const tp = cm[k]![k]!;
    const predicted = cm.reduce((s, row) => s + row[k]!, 0);
    const support = cm[k]!.reduce((s, v) => s + v, 0);
    const precision = div0(tp, predicted);
    const recall = div0(tp, support);
    return { label, precision, recall, f1: f1(precision, recall), support };
  });
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
  const supportTotal = perClass.reduce((s, c) => s + c.support, 0);
  const wmean = (pick: (c: (typeof perClass)[number]) => number) =>
    div0(
      perClass.reduce((s, c) => s + pick(c) * c.support, 0),
      supportTotal,
    );
  const microP = div0(correct, total);
  return {
    labels,
    accuracy: div0(correct, total),
    confusionMatrix: cm,
    perClass,
    macro: {
      precision: mean(perClass.map((c) => c.precision)),
      recall: mean(perClass.map((c) => c.recall)),
      f1: mean(perClass.map((c) => c.f1)),
    },
    weighted: { precision: wmean((c) => c.precision), recall: wmean((c) => c.recall), f1: wmean((c) => c.f1) },
    micro: { precision: microP, recall: microP, f1: microP },
  };
}

/**
 * Probabilistic multiclass metrics from one probability column per class, as scikit-learn
 * computes them: log loss (probabilities clipped to machine epsilon and each row renormalised to
 * sum to one), ROC AUC one-vs-rest averaged `macro` and `weighted` (by class prevalence), and
 * one-vs-one `macro` (Hand & Till; unweighted, as scikit-learn refuses sample weights there).
 * A true class without a probability column makes the metrics undefined (NaN).
 */
export function multiclassProbabilistic(
  yTrue: string[],
  probabilities: Record<string, ArrayLike<number>>,
  weights?: ArrayLike<number>,
  auc = rocAucOf,
) {
  const classes = Object.keys(probabilities).sort();
  const n = yTrue.length;
  const eps = Number.EPSILON;
  let loss = 0;
  let wsum = 0;
  let covered = true;
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (const c of classes) total += Math.min(Math.max(probabilities[c]![i]!, eps), 1 - eps);
    // Own properties only: a class named 'constructor' or 'toString' must not find Object's.
    const own = Object.hasOwn(probabilities, yTrue[i]!) ? probabilities[yTrue[i]!] : undefined;
    if (!own) covered = false;
    const w = weights ? weights[i]! : 1;
    if (own) loss += w * -Math.log(Math.min(Math.max(own[i]!, eps), 1 - eps) / total);
    wsum += w;
  }
  const ovr = classes.map((c) => {
    const y = Float64Array.from(yTrue, (t) => (t === c ? 1 : 0));
    let prevalence = 0;
    for (let i = 0; i < n; i++) prevalence += (weights ? weights[i]! : 1) * y[i]!;
    return { label: c, auc: auc(y, probabilities[c]!, weights), prevalence };
  });
  // One-vs-one takes no weights (scikit-learn refuses them): weighted rows leave it undefined.
  const pairs: number[] = [];
  for (let a = 0; a < (weights ? 0 : classes.length); a++) {
    for (let b = a + 1; b < classes.length; b++) {
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (yTrue[i] === classes[a] || yTrue[i] === classes[b]) rows.push(i);
      const y = Float64Array.from(rows, (i) => (yTrue[i] === classes[a] ? 1 : 0));
      const ab = auc(
        y,
        Float64Array.from(rows, (i) => probabilities[classes[a]!]![i]!),
      );
      const ba = auc(
        Float64Array.from(y, (v) => 1 - v),
        Float64Array.from(rows, (i) => probabilities[classes[b]!]![i]!),
      );
      pairs.push((ab + ba) / 2);
    }
  }
  return multiclassProbabilisticOf(covered ? loss / wsum : NaN, ovr, weights ? undefined : pairs);
}

/**
 * The probabilistic metrics from their parts: the log loss, each class's one-vs-rest AUC and
 * prevalence (classes sorted), and each pair's one-vs-one AUC (a before b, in that order), absent
 * when the rows are weighted.
 */
export function multiclassProbabilisticOf(
  logLoss: number,
  ovr: { label: string; auc: number; prevalence: number }[],
  pairs: number[] | undefined,
) {
  const prevalenceTotal = ovr.reduce((s, x) => s + x.prevalence, 0);
  return {
    logLoss,
    rocAuc: {
      ovrMacro: ovr.reduce((s, x) => s + x.auc, 0) / ovr.length,
      ovrWeighted: ovr.reduce((s, x) => s + x.auc * x.prevalence, 0) / prevalenceTotal,
      ovoMacro: pairs ? pairs.reduce((s, x) => s + x, 0) / pairs.length : NaN,
      perClass: ovr.map((x) => ({ label: x.label, auc: x.auc })),
    },
  };
}
