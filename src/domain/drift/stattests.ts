// The per-column drift statistics, with Evidently's definitions where Evidently has one (binning,
// PSI with its zero filling, Jensen-Shannon, normed Wasserstein, chi-square, z-test) and scipy's
// for the underlying tests.

import { chi2Sf, normalCdf } from './special.ts';

export type Key = string | number;

/** Histogram bins for a column: fixed edges (numerical) or one bin per distinct value. */
export type Bins =
  | { mode: 'sturges_histogram'; n_bins: number; edges: number[] }
  | { mode: 'distinct_values'; n_bins: number; keys: Key[] };

export interface Binned {
  bins: Bins;
  reference: number[];
  current: number[];
}

/** Ascending order for bin keys: numbers numerically, strings by code point, numbers first. */
export function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Counts of each distinct value (a Map keeps insertion order; callers sort keys). */
export function valueCounts(xs: ArrayLike<Key>): Map<Key, number> {
  const counts = new Map<Key, number>();
  for (let i = 0; i < xs.length; i++) counts.set(xs[i]!, (counts.get(xs[i]!) ?? 0) + 1);
  return counts;
}

/** Number of distinct values in a sorted numeric array. */
export function distinctSorted(xs: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[i - 1]) n++;
  return n;
}

/**
 * numpy.histogram_bin_edges(concat, bins='sturges') over the pooled sample's range: n_bins =
 * ceil(range / (range / (log2(N) + 1))), edges lo + i * (range / n_bins), the last edge exactly hi.
 */
export function sturgesEdges(lo: number, hi: number, total: number): number[] {
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / (Math.log2(total) + 1);
  const nBins = width > 0 ? Math.ceil((hi - lo) / width) : 1;
  const step = (hi - lo) / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => i * step + lo);
  edges[nBins] = hi;
  return edges;
}

/** Counts per histogram bin [e_i, e_i+1), the last bin closed, for a sorted sample. */
export function histogramSorted(sorted: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]!;
    if (x < edges[0]! || x > edges[edges.length - 1]!) continue;
    while (bin < counts.length - 1 && x >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return counts;
}

/** Evidently's get_binned_data: percents per bin for both samples. */
export function evidentlyBins(column: ColumnSamples): Binned {
  if (column.type === 'numerical' && column.referenceDistinct > 20) {
    const lo = Math.min(column.ref[0]!, column.cur[0] ?? Infinity);
    const hi = Math.max(column.ref[column.ref.length - 1]!, column.cur[column.cur.length - 1] ?? -Infinity);
    const edges = sturgesEdges(lo, hi, column.ref.length + column.cur.length);
    const pct = (xs: ArrayLike<number>) => histogramSorted(xs, edges).map((c) => c / xs.length);
    return {
      bins: { mode: 'sturges_histogram', n_bins: edges.length - 1, edges },
      reference: pct(column.ref),
      current: pct(column.cur),
    };
  }
  const { keys, reference, current } = categoryCounts(column);
  return {
    bins: { mode: 'distinct_values', n_bins: keys.length, keys },
    reference: reference.map((c) => c / column.ref.length),
    current: current.map((c) => c / column.cur.length),
  };
}

/** Counts per distinct value of ref ∪ cur, keys ascending. */
export function categoryCounts(column: ColumnSamples): { keys: Key[]; reference: number[]; current: number[] } {
  const r = valueCounts(column.ref);
  const c = valueCounts(column.cur);
  const keys = [...new Set([...r.keys(), ...c.keys()])].sort(compareKeys);
  return { keys, reference: keys.map((k) => r.get(k) ?? 0), current: keys.map((k) => c.get(k) ?? 0) };
}

/** Evidently's feel_zeroes: zeros become min_nonzero/1e6 when min_nonzero <= 1e-4, else 1e-4. */
export function fillZeroes(percents: number[]): number[] {
  const positive = percents.filter((p) => p > 0);
  const min = positive.length ? Math.min(...positive) : 0;
  const fill = min <= 1e-4 && min > 0 ? min / 1e6 : 1e-4;
  return percents.map((p) => (p === 0 ? fill : p));
}

/** Population stability index sum (r - c) ln(r / c). */
export function psi(reference: number[], current: number[]): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++)
    sum += (reference[i]! - current[i]!) * Math.log(reference[i]! / current[i]!);
  return sum;
}

/** scipy.spatial.distance.jensenshannon (natural log) and the same in base 2. */
export function jensenShannon(reference: number[], current: number[]): { distance: number; distance_base2: number } {
  const sr = reference.reduce((a, b) => a + b, 0);
  const sc = current.reduce((a, b) => a + b, 0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / sr;
    const q = current[i]! / sc;
    const m = (p + q) / 2;
    if (p > 0) left += p * Math.log(p / m);
    if (q > 0) right += q * Math.log(q / m);
  }
  const js = left + right;
  return { distance: Math.sqrt(js / 2), distance_base2: Math.sqrt(js / Math.LN2 / 2) };
}

/** scipy.stats.wasserstein_distance on sorted samples: the area between the two ECDFs. */
export function wasserstein(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  const n1 = ref.length;
  const n2 = cur.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = NaN;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && ref[i]! <= cur[j]!) ? ref[i]! : cur[j]!;
    if (!Number.isNaN(prev)) sum += Math.abs(i / n1 - j / n2) * (v - prev);
    while (i < n1 && ref[i] === v) i++;
    while (j < n2 && cur[j] === v) j++;
    prev = v;
  }
  return sum;
}

/** Population standard deviation (numpy.std, ddof 0), two-pass. */
export function stdDdof0(xs: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i]!;
  mean /= xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - mean) ** 2;
  return Math.sqrt(ss / xs.length);
}

/** scipy.stats.chisquare(cur_counts, ref_counts * n_cur / n_ref), Evidently's chi-square drift test. */
export function chiSquare(
  refCounts: number[],
  curCounts: number[],
  nRef: number,
  nCur: number,
): { statistic: number; pvalue: number; dof: number } {
  const k = refCounts.length;
  if (k <= 1) return { statistic: 0, pvalue: NaN, dof: 0 };
  const norm = nCur / nRef;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const e = refCounts[i]! * norm;
    const o = curCounts[i]!;
    stat += e === 0 ? (o === 0 ? NaN : Infinity) : (o - e) ** 2 / e;
  }
  return { statistic: stat, pvalue: stat === Infinity ? 0 : chi2Sf(stat, k - 1), dof: k - 1 };
}

/** scipy.stats.chi2_contingency on the 2 x K table [ref, cur]; Yates' correction only when dof is 1. */
export function chi2Contingency(
  refCounts: number[],
  curCounts: number[],
  correction: boolean,
): { statistic: number; pvalue: number; dof: number } {
  const k = refCounts.length;
  if (k <= 1) return { statistic: 0, pvalue: 1, dof: 0 };
  const r1 = refCounts.reduce((a, b) => a + b, 0);
  const r2 = curCounts.reduce((a, b) => a + b, 0);
  const total = r1 + r2;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const col = refCounts[i]! + curCounts[i]!;
    for (const [o, row] of [
      [refCounts[i]!, r1],
      [curCounts[i]!, r2],
    ] as const) {
      const e = (row * col) / total;
      let d = o - e;
      if (correction && k === 2) d = Math.sign(d) * Math.max(0, Math.abs(d) - Math.min(0.5, Math.abs(d)));
      stat += (d * d) / e;
    }
  }
  return { statistic: stat, pvalue: chi2Sf(stat, k - 1), dof: k - 1 };
}

/** Evidently's two-proportion z-test for binary columns (p-value, two-sided). */
export function zTest(refCounts: number[], curCounts: number[]): number {
  const nonEmpty = (xs: number[]) => xs.filter((c) => c > 0).length;
  // A single value shared by both samples: nothing to compare.
  if (
    refCounts.length === 1 ||
    (nonEmpty(refCounts) === 1 &&
      nonEmpty(curCounts) === 1 &&
      refCounts.findIndex((c) => c > 0) === curCounts.findIndex((c) => c > 0))
  )
    return 1;
  const n1 = refCounts.reduce((a, b) => a + b, 0);
  const n2 = curCounts.reduce((a, b) => a + b, 0);
  // x = 0 for the first key, 1 for every other.
  const p1 = (n1 - refCounts[0]!) / n1;
  const p2 = (n2 - curCounts[0]!) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return 2 * (1 - normalCdf(Math.abs(z)));
}

/** Samples of one column after cleaning: numerical sorted ascending, categorical as keys. */
export type ColumnSamples =
  | { type: 'numerical'; ref: Float64Array; cur: Float64Array; referenceDistinct: number }
  | { type: 'categorical'; ref: Key[]; cur: Key[]; referenceDistinct: number };

/**
 * Decile edges of a sorted sample: the 1-based order statistics x_(ceil(k n / 10)), k = 1..9
 * (numpy.quantile method 'inverted_cdf'), deduplicated.
 */
export function decileEdges(sorted: ArrayLike<number>): number[] {
  const edges: number[] = [];
  for (let k = 1; k <= 9 && sorted.length > 0; k++) {
    const q = sorted[Math.ceil((k * sorted.length) / 10) - 1]!;
    if (edges.length === 0 || edges[edges.length - 1] !== q) edges.push(q);
  }
  return edges;
}

/**
 * PSI on reference deciles (the platform's own rule): edges from decileEdges; bins are
 * right-closed; empty bins count as 1e-4.
 */
export function psiQuantile10(ref: Float64Array, cur: Float64Array) {
  const edges = decileEdges(ref);
  const count = (sorted: Float64Array) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    let bin = 0;
    for (let i = 0; i < sorted.length; i++) {
      while (bin < edges.length && sorted[i]! > edges[bin]!) bin++;
      counts[bin]!++;
    }
    return counts;
  };
  return { edges, ...psiOnCounts(count(ref), count(cur)) };
}

/** The platform PSI on bin counts: proportions with empty bins read as 1e-4 (no renormalisation). */
export function psiOnCounts(referenceCounts: number[], currentCounts: number[]) {
  const props = (counts: number[]) => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (c === 0 ? 1e-4 : c / total));
  };
  const referenceProps = props(referenceCounts);
  const currentProps = props(currentCounts);
  return {
    value: psi(referenceProps, currentProps),
    reference_counts: referenceCounts,
    current_counts: currentCounts,
    reference_props: referenceProps,
    current_props: currentProps,
  };
}
