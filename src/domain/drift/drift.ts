// Column and dataset drift: cleans both samples, computes every applicable statistic, and picks
// the deciding test and threshold by Evidently's default rules unless the monitor overrides them.

import { ksTwoSample } from './ks.ts';
import {
  categoryCounts,
  chi2Contingency,
  chiSquare,
  distinctSorted,
  evidentlyBins,
  fillZeroes,
  jensenShannon,
  psi,
  psiOnCounts,
  psiQuantile10,
  stdDdof0,
  wasserstein,
  zTest,
  type ColumnSamples,
  type Key,
} from './stattests.ts';

export const STAT_TESTS = ['ks', 'chisquare', 'z', 'wasserstein', 'psi', 'jensenshannon'] as const;
export type StatTest = (typeof STAT_TESTS)[number];
export type ColumnType = 'numerical' | 'categorical';

/** Evidently's default thresholds: p-values for ks/chisquare/z, distances for the rest. */
export const DEFAULT_THRESHOLDS: Readonly<Record<StatTest, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  psi: 0.1,
  jensenshannon: 0.1,
};

export interface DriftOptions {
  /** Force one test for the column instead of Evidently's default choice. */
  stattest?: StatTest;
  /** Threshold for the deciding test (defaults to DEFAULT_THRESHOLDS of that test). */
  threshold?: number;
  /** Thresholds used for the per-statistic drift flags. */
  thresholds?: Partial<Record<StatTest, number>>;
}

/** A raw sample: numbers (NaN/±Infinity allowed, dropped) or categories (null dropped). */
export type RawSample = ArrayLike<number | null> | ArrayLike<Key | null>;

/** A numerical sample already cleaned and sorted (a monitor's frozen reference): used as it is. */
export class CleanSample {
  constructor(readonly sorted: Float64Array) {}
}

/** Whether a test's score signals drift: p-values below (ks: at or below) the threshold, distances at or above. */
export function isDrift(test: StatTest, score: number, threshold: number): boolean {
  if (Number.isNaN(score)) return false;
  if (test === 'ks') return score <= threshold;
  if (test === 'chisquare' || test === 'z') return score < threshold;
  return score >= threshold;
}

/**
 * Evidently's default test (registry._get_default_stattest) for a column.
 * @param type numerical or categorical
 * @param nReference reference size after cleaning
 * @param nUnique distinct non-missing values of both samples together
 */
export function defaultStatTest(type: ColumnType, nReference: number, nUnique: number): StatTest {
  if (nReference <= 1000) {
    if (type === 'numerical') return nUnique > 5 ? 'ks' : nUnique > 2 ? 'chisquare' : 'z';
    return nUnique > 2 ? 'chisquare' : 'z';
  }
  if (type === 'numerical') return nUnique > 5 ? 'wasserstein' : 'jensenshannon';
  return 'jensenshannon';
}

/** Drops NaN and infinities and sorts ascending; counts what was dropped. */
export function cleanNumerical(raw: ArrayLike<number | null>): Float64Array {
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (Number.isFinite(raw[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v === 'number' && Number.isFinite(v)) out[k++] = v;
  }
  return out.sort();
}

function cleanCategorical(raw: ArrayLike<Key | null>): Key[] {
  const out: Key[] = [];
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
    out.push(v);
  }
  return out;
}

/** Distinct values of two sorted arrays together. */
function distinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  let prev = NaN;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (v !== prev) n++;
    prev = v;
  }
  return n;
}

/**
 * Drift of one column between a reference and a current sample: every statistic that applies
 * (with its own drift flag) and the deciding one (`evidently_default`).
 */
export function columnDrift(
  type: ColumnType,
  reference: RawSample | CleanSample,
  current: RawSample,
  options: DriftOptions = {},
) {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  let column: ColumnSamples;
  let nUnique: number;
  if (type === 'numerical') {
    const ref =
      reference instanceof CleanSample ? reference.sorted : cleanNumerical(reference as ArrayLike<number | null>);
    const cur = cleanNumerical(current as ArrayLike<number | null>);
    column = { type, ref, cur, referenceDistinct: distinctSorted(ref) };
    nUnique = distinctUnion(ref, cur);
  } else {
    if (reference instanceof CleanSample) throw new Error('a clean sample is numerical');
    const ref = cleanCategorical(reference as ArrayLike<Key | null>);
    const cur = cleanCategorical(current as ArrayLike<Key | null>);
    nUnique = new Set([...ref, ...cur]).size;
    column = { type, ref, cur, referenceDistinct: new Set(ref).size };
  }
  const nRef = column.ref.length;
  const nCur = column.cur.length;
  const out: Record<string, unknown> = {
    n_reference_raw: reference instanceof CleanSample ? reference.sorted.length : reference.length,
    n_current_raw: current.length,
    n_reference: nRef,
    n_current: nCur,
    n_unique_combined: nUnique,
  };
  if (nRef === 0 || nCur === 0) {
    return {
      report: out,
      decision: {
        stattest: options.stattest ?? null,
        threshold: null,
        drift_score: NaN,
        drift_detected: false,
        reason: 'an empty sample after cleaning',
      },
    };
  }
  const scores: Partial<Record<StatTest, number>> = {};

  const binned = evidentlyBins(column);
  out.evidently_bins = binned.bins;
  const refFilled = fillZeroes(binned.reference);
  const curFilled = fillZeroes(binned.current);
  scores.psi = psi(refFilled, curFilled);
  out.psi_evidently = {
    value: scores.psi,
    reference_percents: binned.reference,
    current_percents: binned.current,
    reference_percents_filled: refFilled,
    current_percents_filled: curFilled,
    drift_detected: isDrift('psi', scores.psi, thresholds.psi),
  };
  const js = jensenShannon(binned.reference, binned.current);
  scores.jensenshannon = js.distance;
  out.jensenshannon_evidently = {
    ...js,
    drift_detected: isDrift('jensenshannon', js.distance, thresholds.jensenshannon),
  };

  // Counts per value feed chi-square and the z-test; bounded to low-cardinality columns.
  const counts = column.type === 'categorical' || nUnique <= 20 ? categoryCounts(column) : undefined;
  if (column.type === 'numerical') {
    const ks = ksTwoSample(column.ref, column.cur);
    scores.ks = ks.pvalue;
    out.ks = { ...ks, drift_detected: isDrift('ks', ks.pvalue, thresholds.ks) };
    const distance = wasserstein(column.ref, column.cur);
    const std = stdDdof0(column.ref);
    scores.wasserstein = distance / Math.max(std, 0.001);
    out.wasserstein = {
      distance,
      reference_std_ddof0: std,
      normed: scores.wasserstein,
      normed_drift_detected: isDrift('wasserstein', scores.wasserstein, thresholds.wasserstein),
    };
    out.psi_quantile10 = psiQuantile10(column.ref, column.cur);
  } else out.psi_quantile10 = null;
  if (counts) {
    out.category_counts = counts;
    const chi = chiSquare(counts.reference, counts.current, nRef, nCur);
    scores.chisquare = chi.pvalue;
    out.chisquare_evidently = { ...chi, drift_detected: isDrift('chisquare', chi.pvalue, thresholds.chisquare) };
    out.chi2_contingency_pearson = chi2Contingency(counts.reference, counts.current, false);
    out.chi2_contingency_yates = chi2Contingency(counts.reference, counts.current, true);
    if (counts.keys.length <= 2) {
      scores.z = zTest(counts.reference, counts.current);
      out.z_test_evidently = { pvalue: scores.z, drift_detected: isDrift('z', scores.z, thresholds.z) };
    }
  }

  const stattest = options.stattest ?? defaultStatTest(type, nRef, nUnique);
  const threshold = options.threshold ?? thresholds[stattest];
  const score = scores[stattest];
  const decision =
    score === undefined
      ? {
          stattest,
          threshold,
          drift_score: NaN,
          drift_detected: false,
          reason: `${stattest} does not apply to this column`,
        }
      : { stattest, threshold, drift_score: score, drift_detected: isDrift(stattest, score, threshold) };
  out.evidently_default = decision;
  return { report: out, decision };
}

export type ColumnDecision = ReturnType<typeof columnDrift>['decision'];

/** Evidently's dataset drift: share of drifted columns compared with `driftShare` (inclusive). */
export function datasetDrift(decisions: Record<string, Pick<ColumnDecision, 'drift_detected'>>, driftShare = 0.5) {
  const names = Object.keys(decisions);
  const drifted = names.filter((n) => decisions[n]!.drift_detected).length;
  const share = names.length === 0 ? 0 : drifted / names.length;
  return {
    number_of_columns: names.length,
    number_of_drifted_columns: drifted,
    share_of_drifted_columns: share,
    dataset_drift: names.length > 0 && share >= driftShare,
  };
}

/**
 * Drift from counts alone (monitoring profiles): categories are compared exactly as with rows
 * (Evidently's chi-square / z-test / Jensen-Shannon choice); numerical histograms on the
 * reference's decile edges by PSI (the default, threshold 0.1) and Jensen-Shannon, since KS and
 * Wasserstein need the values themselves.
 */
export function countsDrift(type: ColumnType, reference: number[], current: number[], options: DriftOptions = {}) {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const nRef = reference.reduce((a, b) => a + b, 0);
  const nCur = current.reduce((a, b) => a + b, 0);
  const nUnique = reference.filter((c, i) => c + current[i]! > 0).length;
  const out: Record<string, unknown> = {
    n_reference: nRef,
    n_current: nCur,
    n_unique_combined: nUnique,
    from: 'profile',
  };
  if (nRef === 0 || nCur === 0)
    return {
      report: out,
      decision: {
        stattest: options.stattest ?? null,
        threshold: null,
        drift_score: NaN,
        drift_detected: false,
        reason: 'an empty sample',
      },
    };
  const scores: Partial<Record<StatTest, number>> = {};
  const rp = reference.map((c) => c / nRef);
  const cp = current.map((c) => c / nCur);
  const js = jensenShannon(rp, cp);
  scores.jensenshannon = js.distance;
  out.jensenshannon = { ...js, drift_detected: isDrift('jensenshannon', js.distance, thresholds.jensenshannon) };
  if (type === 'numerical') {
    const p = psiOnCounts(reference, current);
    scores.psi = p.value;
    out.psi = { ...p, drift_detected: isDrift('psi', p.value, thresholds.psi) };
  } else {
    scores.psi = psi(fillZeroes(rp), fillZeroes(cp));
    out.psi_evidently = { value: scores.psi, drift_detected: isDrift('psi', scores.psi, thresholds.psi) };
    const chi = chiSquare(reference, current, nRef, nCur);
    scores.chisquare = chi.pvalue;
    out.chisquare_evidently = { ...chi, drift_detected: isDrift('chisquare', chi.pvalue, thresholds.chisquare) };
    if (reference.length <= 2) {
      scores.z = zTest(reference, current);
      out.z_test_evidently = { pvalue: scores.z, drift_detected: isDrift('z', scores.z, thresholds.z) };
    }
  }
  const stattest = options.stattest ?? (type === 'numerical' ? 'psi' : defaultStatTest(type, nRef, nUnique));
  const threshold = options.threshold ?? thresholds[stattest];
  const score = scores[stattest];
  const decision =
    score === undefined
      ? {
          stattest,
          threshold,
          drift_score: NaN,
          drift_detected: false,
          reason: `${stattest} needs the values themselves, not a profile`,
        }
      : { stattest, threshold, drift_score: score, drift_detected: isDrift(stattest, score, threshold) };
  return { report: out, decision };
}
