// Paired comparison of a champion and a challenger scored on the same records: both versions'
// metrics on the jointly labelled records, their difference, and a paired significance test
// (McNemar for accuracy, a seeded paired bootstrap for AUC and regression error).

import { chi2Sf } from '../drift/special.ts';
import { radixArgsort } from '../metrics/classification.ts';

const LN_2PI = Math.log(2 * Math.PI);
const LN_SQRT_2PI = 0.5 * LN_2PI;

/** log n! - log(sqrt(2 pi n) (n/e)^n): Stirling's error, to full precision (Loader 2000). */
function stirlerr(n: number): number {
  if (n <= 15) {
    let f = 1;
    for (let i = 2; i <= n; i++) f *= i;
    return Math.log(f) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
  }
  const nn = n * n;
  const [s0, s1, s2, s3, s4] = [1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188];
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/** x log(x/np) + np - x without cancellation when x is near np (Loader 2000). */
function bd0(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    let s = (x - np) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / np) + np - x;
}

/** P(X = x) for X ~ Binomial(n, 1/2), by Loader's saddle-point expansion (accurate for any n). */
function dbinomHalf(x: number, n: number): number {
  if (x === 0 || x === n) return Math.exp(n * Math.log(0.5));
  const lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n / 2) - bd0(n - x, n / 2);
  const lf = LN_2PI + Math.log(x) + Math.log1p(-x / n);
  return Math.exp(lc - 0.5 * lf);
}

/**
 * P(X <= k) for X ~ Binomial(n, 1/2), k <= n/2: the term at k from the saddle-point expansion,
 * then the lower terms by the ratio C(n, i-1)/C(n, i) = i/(n-i+1) until they stop counting.
 */
export function binomCdfHalf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let term = dbinomHalf(k, n);
  let sum = term;
  for (let i = k; i > 0; i--) {
    term *= i / (n - i + 1);
    sum += term;
    if (term < sum * 1e-18) break;
  }
  return Math.min(1, sum);
}

export interface McNemarResult {
  /** Records the champion gets right and the challenger wrong. */
  b: number;
  /** Records the challenger gets right and the champion wrong. */
  c: number;
  /** Exact binomial test: min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2); 1 when b + c = 0. */
  exact_p: number;
  /** (|b - c| - 1)^2 / (b + c), floored at 0 (Edwards' continuity correction). */
  chi2_cc_statistic: number;
  chi2_cc_p: number;
  /** (b - c)^2 / (b + c), without correction. */
  chi2_statistic: number;
  chi2_p: number;
}

/**
 * McNemar's test of two classifiers on the same records, from the discordant counts `b` (champion
 * right, challenger wrong) and `c` (the reverse): the exact binomial p-value and the chi-square
 * statistic with and without continuity correction, as scipy computes them.
 */
export function mcnemar(b: number, c: number): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0)
    throw new RangeError('McNemar counts must be non-negative integers');
  const n = b + c;
  if (n === 0) return { b, c, exact_p: 1, chi2_cc_statistic: 0, chi2_cc_p: 1, chi2_statistic: 0, chi2_p: 1 };
  const cc = Math.max(Math.abs(b - c) - 1, 0) ** 2 / n;
  const plain = (b - c) ** 2 / n;
  return {
    b,
    c,
    exact_p: Math.min(1, 2 * binomCdfHalf(Math.min(b, c), n)),
    chi2_cc_statistic: cc,
    chi2_cc_p: chi2Sf(cc, 1),
    chi2_statistic: plain,
    chi2_p: chi2Sf(plain, 1),
  };
}

export interface BootstrapResult {
  resamples: number;
  seed: number;
  /** The 2.5% and 97.5% percentiles of the resampled differences (challenger - champion). */
  ci: [number, number];
  /** Two-sided: (1 + #{|d* - d| >= |d|}) / (B + 1), the resampled differences shifted to the null. */
  p: number;
}

// Poisson(1) cumulative probabilities P(X <= k), k = 0..9: a record is drawn k times when u falls
// between entries k-1 and k.
const P0 = Math.exp(-1);
const P1 = 2 * P0;
const P2 = 2.5 * P0;
const POISSON_TAIL = [8 / 3, 65 / 24, 163 / 60, 1957 / 720, 685 / 252, 109_601 / 40_320, 98_641 / 36_288].map(
  (c) => c * P0,
);

/**
 * How often resample `b` of a seeded bootstrap draws record `i`: a Poisson(1) count from a hash
 * of (seed, b, i). Computed, not stored, so a sweep in any order (each version's score order)
 * sees the same weight for the same record without random memory access.
 */
export function poissonWeight(seed: number, b: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 1, 0xc2b2ae35) ^ Math.imul(i + 1, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const u = (h >>> 0) * 2.3283064365386963e-10;
  if (u < P0) return 0;
  if (u < P1) return 1;
  if (u < P2) return 2;
  let k = 0;
  while (k < POISSON_TAIL.length && u >= POISSON_TAIL[k]!) k++;
  return k + 3;
}

/**
 * A seeded paired bootstrap: resample `b` weighs every record by `poissonWeight(seed, b, i)` (the
 * Poisson bootstrap, which for large samples matches drawing n records with replacement), and
 * `statistic(b)` returns champion and challenger values under those weights. Both versions always
 * see the same weights, so the test sees only their difference.
 */
export function pairedBootstrap(
  observed: number,
  statistic: (b: number) => [number, number],
  opts: { resamples: number; seed: number },
): BootstrapResult {
  const deltas: number[] = [];
  for (let b = 0; b < opts.resamples; b++) {
    const [champion, challenger] = statistic(b);
    const d = challenger - champion;
    // A resample without both classes has no AUC: it is left out.
    if (Number.isFinite(d)) deltas.push(d);
  }
  deltas.sort((a, b) => a - b);
  const q = (f: number) =>
    deltas.length === 0 ? NaN : deltas[Math.min(deltas.length - 1, Math.floor(f * deltas.length))]!;
  const extreme = deltas.filter((d) => Math.abs(d - observed) >= Math.abs(observed)).length;
  return {
    resamples: deltas.length,
    seed: opts.seed,
    ci: [q(0.025), q(0.975)],
    p: (1 + extreme) / (deltas.length + 1),
  };
}

/** One version's records in score order: the order, and the scores and truth laid out along it. */
interface Ranked {
  order: Uint32Array;
  scores: Float64Array;
  positive: Uint8Array;
}

function rank(scores: Float64Array, yTrue: Float64Array): Ranked {
  const order = radixArgsort(scores);
  const sorted = new Float64Array(order.length);
  const positive = new Uint8Array(order.length);
  for (let k = 0; k < order.length; k++) {
    sorted[k] = scores[order[k]!]!;
    positive[k] = yTrue[order[k]!] === 1 ? 1 : 0;
  }
  return { order, scores: sorted, positive };
}

/**
 * AUC over records in score order, ties counting one half; weighted by resample `b` of the seeded
 * bootstrap, or unweighted when `b` is null. Reads every array front to back.
 */
function rankedAuc(r: Ranked, seed: number, b: number | null): number {
  const { order, scores, positive } = r;
  const n = order.length;
  let negBelow = 0;
  let pairs = 0;
  let pos = 0;
  let neg = 0;
  for (let k = 0; k < n;) {
    let posHere = 0;
    let negHere = 0;
    const s = scores[k]!;
    for (; k < n && scores[k] === s; k++) {
      const w = b === null ? 1 : poissonWeight(seed, b, order[k]!);
      if (positive[k] === 1) posHere += w;
      else negHere += w;
    }
    pairs += posHere * negBelow + 0.5 * posHere * negHere;
    negBelow += negHere;
    pos += posHere;
    neg += negHere;
  }
  return pos === 0 || neg === 0 ? NaN : pairs / (pos * neg);
}

export type PairedTask = 'binary-classification' | 'multiclass-classification' | 'regression';

/** What the two versions said on the jointly labelled records, aligned by position. */
export interface PairedData {
  task: PairedTask;
  /** Truth: 0/1 for binary, a class code for multiclass, the value for regression. */
  yTrue: Float64Array;
  champion: { yPred: Float64Array; score?: Float64Array };
  challenger: { yPred: Float64Array; score?: Float64Array };
}

export interface PairedMetric {
  champion: number;
  challenger: number;
  /** challenger - champion. */
  difference: number;
  /** How much better the challenger is: the difference, sign-flipped for errors (lower is better). */
  improvement: number;
  test: 'mcnemar' | 'paired-bootstrap';
  /** The p-value the comparison is judged on: McNemar's exact p, or the bootstrap's. */
  p: number;
  mcnemar?: McNemarResult;
  bootstrap?: BootstrapResult;
}

export interface PairedComparison {
  rows: number;
  metrics: Record<string, PairedMetric>;
}

/** The metrics a paired comparison computes for a task (AUC only when both versions logged scores). */
export const PAIRED_METRICS: Record<PairedTask, string[]> = {
  'binary-classification': ['accuracy', 'roc-auc'],
  'multiclass-classification': ['accuracy'],
  regression: ['mae', 'rmse'],
};

export const PAIRED_METRIC_NAMES = ['accuracy', 'roc-auc', 'mae', 'rmse'] as const;

export const BOOTSTRAP_DEFAULTS = { resamples: 200, seed: 17 };

/**
 * Compares champion and challenger on the same labelled records: accuracy with McNemar's test
 * (classification), ROC AUC (binary, when both logged scores) and MAE / RMSE (regression) with a
 * seeded paired bootstrap. Deterministic for a given seed. Empty data gives no metrics.
 */
export function comparePaired(
  d: PairedData,
  opts: { resamples?: number; seed?: number; metrics?: string[] } = {},
): PairedComparison {
  const n = d.yTrue.length;
  const boot = {
    resamples: opts.resamples ?? BOOTSTRAP_DEFAULTS.resamples,
    seed: opts.seed ?? BOOTSTRAP_DEFAULTS.seed,
  };
  const wanted = new Set(opts.metrics ?? PAIRED_METRICS[d.task]);
  const metrics: Record<string, PairedMetric> = {};
  if (n === 0) return { rows: 0, metrics };
  const y = d.yTrue;
  if (d.task !== 'regression' && wanted.has('accuracy')) {
    let right1 = 0;
    let right2 = 0;
    let b = 0;
    let c = 0;
    const p1 = d.champion.yPred;
    const p2 = d.challenger.yPred;
    for (let i = 0; i < n; i++) {
      const r1 = p1[i] === y[i];
      const r2 = p2[i] === y[i];
      if (r1) right1++;
      if (r2) right2++;
      if (r1 && !r2) b++;
      else if (r2 && !r1) c++;
    }
    const test = mcnemar(b, c);
    const difference = (right2 - right1) / n;
    metrics.accuracy = {
      champion: right1 / n,
      challenger: right2 / n,
      difference,
      improvement: difference,
      test: 'mcnemar',
      p: test.exact_p,
      mcnemar: test,
    };
  }
  const s1 = d.champion.score;
  const s2 = d.challenger.score;
  if (d.task === 'binary-classification' && wanted.has('roc-auc') && s1 && s2) {
    const r1 = rank(s1, y);
    const r2 = rank(s2, y);
    const champion = rankedAuc(r1, boot.seed, null);
    const challenger = rankedAuc(r2, boot.seed, null);
    if (Number.isFinite(champion) && Number.isFinite(challenger)) {
      const difference = challenger - champion;
      const bootstrap = pairedBootstrap(
        difference,
        (b) => [rankedAuc(r1, boot.seed, b), rankedAuc(r2, boot.seed, b)],
        boot,
      );
      metrics['roc-auc'] = {
        champion,
        challenger,
        difference,
        improvement: difference,
        test: 'paired-bootstrap',
        p: bootstrap.p,
        bootstrap,
      };
    }
  }
  if (d.task === 'regression') {
    const e1 = new Float64Array(n);
    const e2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      e1[i] = d.champion.yPred[i]! - y[i]!;
      e2[i] = d.challenger.yPred[i]! - y[i]!;
    }
    const errors: Record<string, (e: number) => number> = { mae: Math.abs, rmse: (e) => e * e };
    for (const [name, f] of Object.entries(errors)) {
      if (!wanted.has(name)) continue;
      const finish = name === 'rmse' ? Math.sqrt : (x: number) => x;
      const mean = (b: number | null): [number, number] => {
        let a = 0;
        let c = 0;
        let total = 0;
        for (let i = 0; i < n; i++) {
          const weight = b === null ? 1 : poissonWeight(boot.seed, b, i);
          if (weight === 0) continue;
          a += weight * f(e1[i]!);
          c += weight * f(e2[i]!);
          total += weight;
        }
        return [finish(a / total), finish(c / total)];
      };
      const [champion, challenger] = mean(null);
      const difference = challenger - champion;
      const bootstrap = pairedBootstrap(difference, mean, boot);
      metrics[name] = {
        champion,
        challenger,
        difference,
        improvement: -difference,
        test: 'paired-bootstrap',
        p: bootstrap.p,
        bootstrap,
      };
    }
  }
  return { rows: n, metrics };
}
