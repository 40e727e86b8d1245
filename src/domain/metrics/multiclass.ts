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
  const wmean = (pick: (c: (typeof perClass)[number]) => number) => div0(perClass.reduce((s, c) => s + pick(c) * c.support, 0), supportTotal);
  const microP = div0(correct, total);
  return {
    labels,
    accuracy: div0(correct, total),
    confusionMatrix: cm,
    perClass,
    macro: { precision: mean(perClass.map((c) => c.precision)), recall: mean(perClass.map((c) => c.recall)), f1: mean(perClass.map((c) => c.f1)) },
    weighted: { precision: wmean((c) => c.precision), recall: wmean((c) => c.recall), f1: wmean((c) => c.f1) },
    micro: { precision: microP, recall: microP, f1: microP },
  };
}
