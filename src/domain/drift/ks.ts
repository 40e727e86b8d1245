// Two-sample Kolmogorov-Smirnov test with scipy.stats.ks_2samp's semantics (two-sided,
// method='auto'): the exact null distribution up to 10,000 values per sample, the asymptotic
// kstwo distribution above.

import { kolmogorovSmirnovSf } from './kolmogorov.ts';
import { kolmogorovSf } from './special.ts';

export interface KsResult {
  statistic: number;
  pvalue: number;
  pvalue_method: 'exact' | 'asymp';
  /** The value at which the ECDF gap is largest. */
  statistic_location: number;
  /** +1 when the reference ECDF is above the current one there, -1 otherwise. */
  statistic_sign: 1 | -1;
  pvalue_asymp_kstwo: number;
  pvalue_kolmogorov: number;
}

const gcd = (a: number, b: number): number => {
  while (b) [a, b] = [b, a % b];
  return a;
};

/**
 * P(D_{n,n} >= h/n) for equal sample sizes: the reflection-principle alternating sum, evaluated
 * Horner-style on ratios of binomials so nothing overflows and nothing cancels.
 */
function outsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D_{m,n} >= h/lcm) for unequal sizes. A(i, j) is the probability that a uniformly random
 * lattice path from (0,0) to (i,j) has touched the region |i/m - j/n| >= d; inside the band it is
 * the step-weighted mean of its two predecessors, outside it is 1. Only the band of each column is
 * kept, so memory is O(n) and every value stays a probability (no overflow, no cancellation).
 */
function outsideBand(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let lo = 0;
  let hi = Math.min(Math.ceil(h / mg), n + 1);
  let prev = new Float64Array(n + 2);
  let next = new Float64Array(n + 2);
  // Column 0: inside the band (j < hi) no path has left yet; beyond it, it has.
  for (let j = 0; j <= n; j++) prev[j] = j < hi ? 0 : 1;
  for (let i = 1; i <= m; i++) {
    const newLo = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    const newHi = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (newHi <= newLo) return 1;
    let val = newLo === 0 ? 0 : 1;
    for (let j = newLo; j < newHi; j++) {
      const left = j >= lo && j < hi ? prev[j]! : 1;
      val = (left * i + val * j) / (i + j);
      next[j] = val;
    }
    lo = newLo;
    hi = newHi;
    [prev, next] = [next, prev];
  }
  return prev[n]!;
}

/**
 * Two-sample KS on already sorted, finite samples.
 * @param ref sorted reference sample
 * @param cur sorted current sample
 */
export function ksTwoSample(ref: ArrayLike<number>, cur: ArrayLike<number>): KsResult {
  const n1 = ref.length;
  const n2 = cur.length;
  // Walk both samples once; the ECDF gap only changes at data values. scipy evaluates the gap at
  // ref's values first, then cur's, and reports the first maximiser in that order, so the extremes
  // are tracked separately over values present in each sample.
  let i = 0;
  let j = 0;
  let posRef = -Infinity,
    posRefAt = NaN,
    posCur = -Infinity,
    posCurAt = NaN;
  let negRef = -Infinity,
    negRefAt = NaN,
    negCur = -Infinity,
    negCurAt = NaN;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && ref[i]! <= cur[j]!) ? ref[i]! : cur[j]!;
    const i0 = i;
    const j0 = j;
    while (i < n1 && ref[i] === v) i++;
    while (j < n2 && cur[j] === v) j++;
    const diff = i / n1 - j / n2;
    if (i > i0) {
      if (diff > posRef) [posRef, posRefAt] = [diff, v];
      if (-diff > negRef) [negRef, negRefAt] = [-diff, v];
    }
    if (j > j0) {
      if (diff > posCur) [posCur, posCurAt] = [diff, v];
      if (-diff > negCur) [negCur, negCurAt] = [-diff, v];
    }
  }
  const maxPos = Math.max(posRef, posCur);
  const maxPosAt = posRef >= posCur ? posRefAt : posCurAt;
  const maxNeg = Math.max(negRef, negCur);
  const maxNegAt = negRef >= negCur ? negRefAt : negCurAt;
  const minS = Math.min(Math.max(maxNeg, 0), 1);
  const [dRaw, location, sign] = minS > maxPos ? [minS, maxNegAt, -1 as const] : [maxPos, maxPosAt, 1 as const];
  const en = (n1 * n2) / (n1 + n2);
  // numpy.round: halves to even (en = 5000.5 is 5000).
  const rounded = Math.abs(en % 1) === 0.5 ? 2 * Math.round(en / 2) : Math.round(en);
  const asymp = kolmogorovSmirnovSf(rounded, dRaw);
  const kolmogorov = kolmogorovSf(Math.sqrt(en) * dRaw);
  if (Math.max(n1, n2) <= 10_000) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(dRaw * lcm);
    const d = h / lcm;
    const p = h === 0 ? 1 : n1 === n2 ? outsideSquare(n1, h) : outsideBand(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) {
      return {
        statistic: d,
        pvalue: p,
        pvalue_method: 'exact',
        statistic_location: location,
        statistic_sign: sign,
        pvalue_asymp_kstwo: asymp,
        pvalue_kolmogorov: kolmogorov,
      };
    }
  }
  return {
    statistic: dRaw,
    pvalue: asymp,
    pvalue_method: 'asymp',
    statistic_location: location,
    statistic_sign: sign,
    pvalue_asymp_kstwo: asymp,
    pvalue_kolmogorov: kolmogorov,
  };
}
