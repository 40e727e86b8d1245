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
 * ROC AUC, the ROC curve and the median score need, in one double a row.
 */
export interface ScoresByClass {
  positive: Float64Array;
  negative: Float64Array;
}

/** Below this many scores the split is sorted natively whole: buckets would cost more than they save. */
const BUCKETED_FROM = 4096;
/** Scores a bucket on average, and the most buckets a class gets (4 bytes each). */
const PER_BUCKET = 8;
const MOST_BUCKETS = 1 << 18;
/** Buckets up to this size are sorted by insertion; larger ones (skewed scores, ties) natively. */
const INSERTION_MOST = 32;

/**
 * Splits `scores` by whether `yTrue` is 1 and sorts each part ascending, -0 before +0, exactly as
 * a native sort of each part does. Scores must not be NaN.
 *
 * Millions of scores go straight to their place in their class's array by value bucket: the
 * range from the lowest score to the highest cut into equal widths, a few scores a bucket on
 * average. A bucket's index never decreases as the score grows, so the buckets are in order and
 * only the few scores inside each are left to sort: about half the time of a native sort of each
 * part, which compares every score with some twenty others. The buckets are counted first, so
 * each class's array is allocated once, at its size, and nothing else is held but the counts.
 */
export function scoresByClass(yTrue: ArrayLike<number>, scores: ArrayLike<number>): ScoresByClass {
  const n = scores.length;
  let pos = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    if (yTrue[i] === 1) pos++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v !== v) nan = true;
  }
  const positive = new Float64Array(pos);
  const negative = new Float64Array(n - pos);
  const bucketsP = Math.max(1, Math.min(MOST_BUCKETS, Math.floor(pos / PER_BUCKET)));
  const bucketsN = Math.max(1, Math.min(MOST_BUCKETS, Math.floor((n - pos) / PER_BUCKET)));
  const scaleP = bucketsP / (hi - lo);
  const scaleN = bucketsN / (hi - lo);
  // Few scores, NaN, a single value, or a range too wide or too narrow to scale: one sort a class.
  if (n < BUCKETED_FROM || nan || !(hi > lo) || !Number.isFinite(hi - lo) || !Number.isFinite(scaleP + scaleN)) {
    let p = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      if (yTrue[i] === 1) positive[p++] = scores[i]!;
      else negative[q++] = scores[i]!;
    }
    return { positive: positive.sort(), negative: negative.sort() };
  }
  const lastP = bucketsP - 1;
  const lastN = bucketsN - 1;
  // ends[b]: first the count of bucket b, then (prefix sums) where it starts, then (filled) where it ends.
  const endsP = new Int32Array(bucketsP);
  const endsN = new Int32Array(bucketsN);
  for (let i = 0; i < n; i++) {
    const d = scores[i]! - lo;
    if (yTrue[i] === 1) endsP[Math.min(lastP, Math.floor(d * scaleP))]!++;
    else endsN[Math.min(lastN, Math.floor(d * scaleN))]!++;
  }
  startsOf(endsP);
  startsOf(endsN);
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    const d = v - lo;
    if (yTrue[i] === 1) positive[endsP[Math.min(lastP, Math.floor(d * scaleP))]!++] = v;
    else negative[endsN[Math.min(lastN, Math.floor(d * scaleN))]!++] = v;
  }
  sortBuckets(positive, endsP);
  sortBuckets(negative, endsN);
  return { positive, negative };
}

/** Bucket sizes to where each bucket starts (prefix sums, in place). */
function startsOf(counts: Int32Array): void {
  let at = 0;
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b]!;
    counts[b] = at;
    at += c;
  }
}

/** Sorts each bucket of `values` in place; bucket b ends at ends[b] and starts where b - 1 ends. */
function sortBuckets(values: Float64Array, ends: Int32Array): void {
  let start = 0;
  for (let b = 0; b < ends.length; b++) {
    const end = ends[b]!;
    if (end - start > INSERTION_MOST) values.subarray(start, end).sort();
    else {
      for (let i = start + 1; i < end; i++) {
        const v = values[i]!;
        let j = i;
        // -0 sorts before +0, as the native sort puts them.
        for (; j > start; j--) {
          const u = values[j - 1]!;
          if (!(v < u || (v === 0 && u === 0 && 1 / v < 1 / u))) break;
          values[j] = u;
        }
        values[j] = v;
      }
    }
    start = end;
  }
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
  let thresholds = 0;
  eachThreshold(s, true, () => thresholds++);
  return drawnCurve(s, thresholds, maxPoints);
}

/** The points rocCurveByClass draws, knowing how many distinct thresholds there are. */
function drawnCurve(s: ScoresByClass, thresholds: number, maxPoints: number): [number, number][] {
  const { positive: a, negative: b } = s;
  const tpAll = a.length;
  const fpAll = b.length;
  if (tpAll === 0 || fpAll === 0) return [];
  const total = thresholds + 1; // and the origin
  const step = (total - 1) / (maxPoints - 1);
  const last = Math.min(total, maxPoints);
  const points: [number, number][] = [[0, 0]];
  // The next point drawn is the j-th, at the wanted-th threshold from the top.
  let j = 1;
  let wanted = total <= maxPoints ? 1 : Math.round(step);
  let k = 0;
  // eachThreshold's walk down, written out: a call a threshold shows at millions of them.
  let i = a.length - 1;
  let q = b.length - 1;
  while ((i >= 0 || q >= 0) && j < last) {
    const v = q < 0 || (i >= 0 && a[i]! > b[q]!) ? a[i]! : b[q]!;
    for (; i >= 0 && a[i] === v; i--);
    for (; q >= 0 && b[q] === v; q--);
    k++;
    // Each drawn index once per point that lands on it (thinning may repeat an index).
    while (j < last && wanted === k) {
      points.push([(fpAll - 1 - q) / fpAll, (tpAll - 1 - i) / tpAll]);
      j++;
      wanted = total <= maxPoints ? j : Math.round(j * step);
    }
  }
  return points;
}

/**
 * ROC AUC, the ROC curve and the median of unweighted scores split by class, exactly as
 * rocAucByClass, rocCurveByClass and medianByClass give them, in two walks over the scores
 * instead of three and a half: the walk up sums the AUC's pairs, counts the thresholds the curve
 * needs and picks the middle scores on its way; the walk down draws the curve.
 */
export function rankedByClass(
  s: ScoresByClass,
  maxPoints = 101,
): { rocAuc: number; roc: [number, number][]; median: number } {
  const { positive: a, negative: b } = s;
  const n = a.length + b.length;
  // The middle scores' places in both parts merged (medianByClass's merge: equal scores, -0 and
  // +0 among them, are taken from the positives first).
  const upper = Math.floor(n / 2);
  const lower = n % 2 ? upper : upper - 1;
  let low = NaN;
  let high = NaN;
  let i = 0;
  let j = 0;
  let seen = 0;
  let negBelow = 0;
  let pairs = 0;
  let thresholds = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i]! : b[j]!;
    const i0 = i;
    const j0 = j;
    for (; i < a.length && a[i] === v; i++);
    for (; j < b.length && b[j] === v; j++);
    const posHere = i - i0;
    const negHere = j - j0;
    pairs += posHere * negBelow + 0.5 * posHere * negHere;
    negBelow += negHere;
    thresholds++;
    const next = seen + posHere + negHere;
    if (lower >= seen && lower < next)
      low = lower - seen < posHere ? a[i0 + lower - seen]! : b[j0 + lower - seen - posHere]!;
    if (upper >= seen && upper < next)
      high = upper - seen < posHere ? a[i0 + upper - seen]! : b[j0 + upper - seen - posHere]!;
    seen = next;
  }
  return {
    rocAuc: a.length === 0 || b.length === 0 ? NaN : pairs / (a.length * b.length),
    roc: drawnCurve(s, thresholds, maxPoints),
    median: n === 0 ? NaN : n % 2 ? high : (low + high) / 2,
  };
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
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weights ? weights[i]! : 1;
    sum += w * logLossTerm(yTrue[i]!, probabilities[i]!);
    wsum += w;
  }
  return sum / wsum;
}

/** One row's cross-entropy, unweighted: its probability clipped to [eps, 1-eps] (sklearn, eps = 2^-52). */
export function logLossTerm(y: number, probability: number): number {
  const eps = Number.EPSILON;
  let p = Math.min(Math.max(probability, eps), 1 - eps);
  // sklearn renormalises [1-p, p] to sum to one; with p clipped inside (0,1) that is exact.
  const q = 1 - p;
  p = p / (p + q);
  return -(y === 1 ? Math.log(p) : Math.log(1 - p));
}
