/**
 * Binary classification metrics with scikit-learn's conventions (positive label 1, optional
 * sample weights): 0/0 rates are 0.0 where sklearn maps them so (precision, recall, F1 and the
 * confusion-matrix-normalised rates fairlearn uses), log loss clips probabilities to machine
 * epsilon, ROC AUC counts tied scores as half a pair.
 */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Sum of weights (rows when unweighted). */
  w: number;
  /** Rows, unweighted. */
  n: number;
}

/** Weighted confusion counts over the rows selected by `rows` (all when undefined). */
export function confusion(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  weights?: ArrayLike<number>,
  rows?: ArrayLike<number>,
): Confusion {
  // Cells tn, fp, fn, tp indexed truth * 2 + prediction, without branches (see groupedConfusion).
  const cells = new Float64Array(4);
  const count = rows ? rows.length : yTrue.length;
  let w = 0;
  if (!weights && !rows) {
    const ints = new Uint32Array(4);
    for (let i = 0; i < count; i++) ints[(+(yTrue[i] === 1) << 1) | +(yPred[i] === 1)]!++;
    cells.set(ints);
    w = count;
  } else {
    for (let k = 0; k < count; k++) {
      const i = rows ? rows[k]! : k;
      const wi = weights ? weights[i]! : 1;
      cells[(+(yTrue[i] === 1) << 1) | +(yPred[i] === 1)]! += wi;
      w += wi;
    }
  }
  return { tn: cells[0]!, fp: cells[1]!, fn: cells[2]!, tp: cells[3]!, w, n: count };
}

/**
 * The per-group rates fairlearn's MetricFrame computes, by name, with scikit-learn's
 * `zero_division`: what a rate whose denominator is zero reads as (0 by default, as scikit-learn
 * and fairlearn report it; 1, or NaN to leave it undefined as AIF360's classic metrics do).
 */
export function ratesWith(zeroDivision: number): Record<string, (c: Confusion) => number> {
  const ratio = (a: number, b: number): number => (b === 0 ? zeroDivision : a / b);
  return {
    selection_rate: (c) => (c.w === 0 ? NaN : (c.tp + c.fp) / c.w),
    tpr: (c) => ratio(c.tp, c.tp + c.fn),
    fpr: (c) => ratio(c.fp, c.fp + c.tn),
    fnr: (c) => ratio(c.fn, c.tp + c.fn),
    tnr: (c) => ratio(c.tn, c.tn + c.fp),
    accuracy: (c) => (c.w === 0 ? NaN : (c.tp + c.tn) / c.w),
    precision: (c) => ratio(c.tp, c.tp + c.fp),
    recall: (c) => ratio(c.tp, c.tp + c.fn),
    // scikit-learn >= 1.3: 2tp / (2tp + fp + fn), zero_division only when nothing is positive at all.
    f1: (c) => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}

export const RATES = ratesWith(0);

/**
 * Indexes that order `values` ascending (stable), by an LSD radix sort over the 64 bits of each
 * double mapped to an unsigned key that sorts like the number: linear time, where a comparison
 * sort of millions of scores dominates everything else. Values must not be NaN.
 */
export function radixArgsort(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = values[i]! + 0; // -0 sorts with +0
  const bits = new Uint32Array(f.buffer);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + 1]!;
    const l = bits[2 * i]!;
    // Negative numbers: flip every bit; positive: flip the sign bit. Unsigned order is then numeric order.
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
    idx[i] = i;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let idx2 = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i]! >>> shift) & 0xffff]!++;
    // Every key shares this digit: the pass would not move anything.
    if (count[(word[0]! >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let k = 0; k < 65536; k++) {
      const c = count[k]!;
      count[k] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = count[(word[i]! >>> shift) & 0xffff]!++;
      hi2[at] = hi[i]!;
      lo2[at] = lo[i]!;
      idx2[at] = idx[i]!;
    }
    [hi, hi2, lo, lo2, idx, idx2] = [hi2, hi, lo2, lo, idx2, idx];
  }
  return idx;
}

/**
 * Unweighted scores split by class (label 1 and the rest), each part sorted ascending: all that
 * ROC AUC, the ROC curve and the median score need, in one double a row. Two native sorts of the
 * scores alone cost less than an argsort and hold an eighth of its memory.
 */
export interface ScoresByClass {
  positive: Float64Array;
  negative: Float64Array;
}

/** Splits `scores` by whether `yTrue` is 1 and sorts each part ascending. Scores must not be NaN. */
export function scoresByClass(yTrue: ArrayLike<number>, scores: ArrayLike<number>): ScoresByClass {
  const n = scores.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === 1) pos++;
  const positive = new Float64Array(pos);
  const negative = new Float64Array(n - pos);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === 1) positive[p++] = scores[i]!;
    else negative[q++] = scores[i]!;
  }
  return { positive: positive.sort(), negative: negative.sort() };
}

/**
 * Walks the distinct scores of both classes together, ascending (`down` false) or descending,
 * calling `each(positives, negatives)` with how many of each class hold that score. Equal scores
 * are one threshold (-0 and +0 included), as in the argsort's walk.
 */
function eachThreshold(s: ScoresByClass, down: boolean, each: (pos: number, neg: number) => void): void {
  const { positive: a, negative: b } = s;
  if (!down) {
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const v = j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i]! : b[j]!;
      let pos = 0;
      let neg = 0;
      for (; i < a.length && a[i] === v; i++) pos++;
      for (; j < b.length && b[j] === v; j++) neg++;
      each(pos, neg);
    }
    return;
  }
  let i = a.length - 1;
  let j = b.length - 1;
  while (i >= 0 || j >= 0) {
    const v = j < 0 || (i >= 0 && a[i]! > b[j]!) ? a[i]! : b[j]!;
    let pos = 0;
    let neg = 0;
    for (; i >= 0 && a[i] === v; i--) pos++;
    for (; j >= 0 && b[j] === v; j--) neg++;
    each(pos, neg);
  }
}

/** ROC AUC of unweighted scores split by class: the same sums, in the same order, as `rocAuc`. */
export function rocAucByClass(s: ScoresByClass): number {
  let negBelow = 0;
  let pairs = 0;
  eachThreshold(s, false, (posHere, negHere) => {
    pairs += posHere * negBelow + 0.5 * posHere * negHere;
    negBelow += negHere;
  });
  const pos = s.positive.length;
  const neg = s.negative.length;
  return pos === 0 || neg === 0 ? NaN : pairs / (pos * neg);
}

/**
 * The ROC curve of unweighted scores split by class, as `rocCurve` draws it, in two walks: the
 * first counts the thresholds, the second keeps only the points drawn, so millions of distinct
 * scores never become millions of point objects.
 */
export function rocCurveByClass(s: ScoresByClass, maxPoints = 101): [number, number][] {
  const tpAll = s.positive.length;
  const fpAll = s.negative.length;
  if (tpAll === 0 || fpAll === 0) return [];
  let thresholds = 0;
  eachThreshold(s, true, () => thresholds++);
  const total = thresholds + 1; // and the origin
  const step = (total - 1) / (maxPoints - 1);
  const wanted = (j: number) => (total <= maxPoints ? j : Math.round(j * step));
  const points: [number, number][] = [[0, 0]];
  let j = 1;
  let k = 0;
  let tp = 0;
  let fp = 0;
  eachThreshold(s, true, (pos, neg) => {
    tp += pos;
    fp += neg;
    k++;
    // Each drawn index once per point that lands on it (thinning may repeat an index).
    while (j < Math.min(total, maxPoints) && wanted(j) === k) {
      points.push([fp / fpAll, tp / tpAll]);
      j++;
    }
  });
  return points;
}

/** The median of all the scores (the mean of the middle two for an even count); NaN for none. */
export function medianByClass(s: ScoresByClass): number {
  const { positive: a, negative: b } = s;
  const n = a.length + b.length;
  if (n === 0) return NaN;
  // The k-th smallest of both parts, by merging from the bottom.
  let i = 0;
  let j = 0;
  const next = () => (j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!);
  const half = Math.floor(n / 2);
  for (let k = 0; k < half - (n % 2 ? 0 : 1); k++) next();
  if (n % 2) return next();
  const lower = next();
  return (lower + next()) / 2;
}

/**
 * ROC AUC as the weighted probability that a positive outranks a negative (ties count one half),
 * which equals sklearn's trapezoidal area over distinct thresholds. NaN without both classes.
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>, weights?: ArrayLike<number>): number {
  if (!weights) return rocAucByClass(scoresByClass(yTrue, scores));
  const idx = radixArgsort(scores);
  let negBelow = 0;
  let pairs = 0;
  let pos = 0;
  let neg = 0;
  for (let k = 0; k < idx.length;) {
    let posHere = 0;
    let negHere = 0;
    const s = scores[idx[k]!]!;
    for (; k < idx.length && scores[idx[k]!] === s; k++) {
      const i = idx[k]!;
      const w = weights ? weights[i]! : 1;
      if (yTrue[i] === 1) posHere += w;
      else negHere += w;
    }
    pairs += posHere * negBelow + 0.5 * posHere * negHere;
    negBelow += negHere;
    pos += posHere;
    neg += negHere;
  }
  return pos === 0 || neg === 0 ? NaN : pairs / (pos * neg);
}

/**
 * The ROC curve as (false positive rate, true positive rate) points, one per distinct score
 * threshold from the highest down (as sklearn's `roc_curve` without `drop_intermediate`), starting
 * at (0, 0); thinned to at most `maxPoints` evenly spaced points for display. Empty when either
 * class is absent.
 */
export function rocCurve(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  weights?: ArrayLike<number>,
  maxPoints = 101,
): [number, number][] {
  if (!weights) return rocCurveByClass(scoresByClass(yTrue, scores), maxPoints);
  const idx = radixArgsort(scores);
  const counts: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let k = idx.length - 1; k >= 0;) {
    const s = scores[idx[k]!]!;
    for (; k >= 0 && scores[idx[k]!] === s; k--) {
      const i = idx[k]!;
      const w = weights ? weights[i]! : 1;
      if (yTrue[i] === 1) tp += w;
      else fp += w;
    }
    counts.push([fp, tp]);
  }
  return thinned(counts, tp, fp, maxPoints);
}

/** Cumulative (fp, tp) counts as rates, thinned to at most `maxPoints` evenly spaced points. */
function thinned(counts: [number, number][], tp: number, fp: number, maxPoints: number): [number, number][] {
  if (tp === 0 || fp === 0) return [];
  const points = counts.map(([f, t]): [number, number] => [f / fp, t / tp]);
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, j) => points[Math.round(j * step)]!);
}

/** Weighted binary cross-entropy of probabilities clipped to [eps, 1-eps] (sklearn, eps = 2^-52). */
export function logLoss(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number {
  const eps = Number.EPSILON;
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weights ? weights[i]! : 1;
    let p = Math.min(Math.max(probabilities[i]!, eps), 1 - eps);
    // sklearn renormalises [1-p, p] to sum to one; with p clipped inside (0,1) that is exact.
    const q = 1 - p;
    p = p / (p + q);
    sum += w * -(yTrue[i] === 1 ? Math.log(p) : Math.log(1 - p));
    wsum += w;
  }
  return sum / wsum;
}
