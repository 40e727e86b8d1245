import { confusion, RATES, type Confusion } from './classification.ts';

/**
 * Disaggregated metrics with fairlearn 0.12's MetricFrame semantics, fairlearn's fairness
 * wrappers, and AIF360's two conventions (the scikit-learn API and the classic
 * ClassificationMetric), each to its exact edge-case behaviour.
 */
export type SensitiveFeatures = (string | null)[] | Record<string, (string | null)[]>;

export interface Groups {
  /** Group labels, ascending; tuples for intersectional (several) sensitive features. */
  labels: (string | string[])[];
  /** Row indexes of each group (empty for an intersection that no row falls in). */
  rows: number[][];
}

const ascii = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Groups rows by sensitive feature: distinct values sorted ascending; with several features, the
 * Cartesian product of each feature's sorted values in lexicographic order, empty ones kept.
 * Missing (null) values must have been mapped to an explicit category before.
 */
export function groupRows(features: SensitiveFeatures): Groups {
  const columns = Array.isArray(features) ? [features] : Object.values(features);
  for (const col of columns) if (col.some((v) => v === null)) throw new Error('sensitive features contain missing values; map them to an explicit category');
  const values = columns.map((col) => [...new Set(col as string[])].sort(ascii));
  let tuples: string[][] = [[]];
  for (const vs of values) tuples = tuples.flatMap((t) => vs.map((v) => [...t, v]));
  const index = new Map(tuples.map((t, i) => [JSON.stringify(t), i]));
  const rows: number[][] = tuples.map(() => []);
  const n = columns[0]!.length;
  for (let i = 0; i < n; i++) rows[index.get(JSON.stringify(columns.map((c) => c[i])))!]!.push(i);
  return { labels: Array.isArray(features) ? tuples.map((t) => t[0]!) : tuples, rows };
}

export interface Disaggregated {
  overall: number;
  byGroup: number[];
  groupMin: number;
  groupMax: number;
  differenceBetweenGroups: number;
  differenceToOverall: number;
  ratioBetweenGroups: number;
  ratioToOverall: number;
}

const finite = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));

/** MetricFrame's aggregations of one metric: NaN groups skipped, IEEE division for ratios. */
export function disaggregate(overall: number, byGroup: number[]): Disaggregated {
  const vals = finite(byGroup);
  const groupMin = vals.length ? Math.min(...vals) : NaN;
  const groupMax = vals.length ? Math.max(...vals) : NaN;
  const toOverall = finite(byGroup.map((v) => Math.abs(v - overall)));
  const ratios = finite(
    byGroup.map((v) => {
      const r = v / overall;
      return r > 1 ? 1 / r : r;
    }),
  );
  return {
    overall,
    byGroup,
    groupMin,
    groupMax,
    differenceBetweenGroups: groupMax - groupMin,
    differenceToOverall: toOverall.length ? Math.max(...toOverall) : NaN,
    ratioBetweenGroups: groupMin / groupMax,
    ratioToOverall: ratios.length ? Math.min(...ratios) : NaN,
  };
}

/** A MetricFrame over confusion-based rates (RATES names): empty groups are NaN throughout. */
export function classificationFrame(metrics: string[], overall: Confusion, perGroup: Confusion[]): Record<string, Disaggregated> {
  return Object.fromEntries(
    metrics.map((m) => {
      const f = RATES[m];
      if (!f) throw new Error(`unknown metric '${m}'`);
      return [m, disaggregate(f(overall), perGroup.map((c) => (c.n === 0 ? NaN : f(c))))];
    }),
  );
}

export type Method = 'between_groups' | 'to_overall';
const diff = (d: Disaggregated, m: Method) => (m === 'between_groups' ? d.differenceBetweenGroups : d.differenceToOverall);
const ratio = (d: Disaggregated, m: Method) => (m === 'between_groups' ? d.ratioBetweenGroups : d.ratioToOverall);

/** fairlearn's wrappers (demographic parity, equal opportunity, equalized odds) by method. */
export function fairlearnMetrics(frame: Record<string, Disaggregated>) {
  const sr = frame.selection_rate!;
  const tpr = frame.tpr!;
  const fpr = frame.fpr!;
  const both = <T>(f: (m: Method) => T) => ({ between_groups: f('between_groups'), to_overall: f('to_overall') });
  return {
    demographic_parity_difference: both((m) => diff(sr, m)),
    demographic_parity_ratio: both((m) => ratio(sr, m)),
    equal_opportunity_difference: both((m) => diff(tpr, m)),
    equal_opportunity_ratio: both((m) => ratio(tpr, m)),
    equalized_odds_difference: {
      worst_case: both((m) => Math.max(diff(tpr, m), diff(fpr, m))),
      mean: both((m) => (diff(tpr, m) + diff(fpr, m)) / 2),
    },
    equalized_odds_ratio: {
      worst_case: both((m) => Math.min(ratio(tpr, m), ratio(fpr, m))),
      mean: both((m) => (ratio(tpr, m) + ratio(fpr, m)) / 2),
    },
  };
}

/** Splits rows into the privileged group and everyone else, pooled. */
function privilegedSplit(yTrue: number[], yPred: number[], groups: string[], privileged: string, weights?: number[]) {
  const priv: number[] = [];
  const unpriv: number[] = [];
  groups.forEach((g, i) => (g === privileged ? priv : unpriv).push(i));
  return { p: confusion(yTrue, yPred, weights, priv), u: confusion(yTrue, yPred, weights, unpriv) };
}

/**
 * AIF360's scikit-learn API: rates through sklearn scorers, so 0/0 is 0.0, and FPR is
 * 1 - specificity, which makes the FPR of a side without negatives 1.0 (a quirk kept on purpose).
 */
export function aif360Sklearn(yTrue: number[], yPred: number[], groups: string[], privileged: string, weights?: number[]) {
  const { p, u } = privilegedSplit(yTrue, yPred, groups, privileged, weights);
  const sr = (c: Confusion) => (c.w === 0 ? 0 : (c.tp + c.fp) / c.w);
  const tpr = (c: Confusion) => (c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn));
  const fpr = (c: Confusion) => 1 - (c.tn + c.fp === 0 ? 0 : c.tn / (c.tn + c.fp));
  const di = sr(p) === 0 ? 0 : sr(u) / sr(p);
  return {
    privileged_group: privileged,
    statistical_parity_difference: sr(u) - sr(p),
    disparate_impact_ratio: di,
    four_fifths_rule_pass: di >= 0.8,
    equal_opportunity_difference: tpr(u) - tpr(p),
    average_odds_difference: (fpr(u) - fpr(p) + (tpr(u) - tpr(p))) / 2,
    average_odds_error: (Math.abs(fpr(u) - fpr(p)) + Math.abs(tpr(u) - tpr(p))) / 2,
  };
}

/** Python's builtin max of two numbers: the first unless the second is greater (so NaN first wins). */
const pyMax = (a: number, b: number) => (b > a ? b : a);

/** AIF360's classic ClassificationMetric: plain IEEE ratios of weighted counts (0/0 NaN, x/0 Infinity). */
export function aif360Classic(yTrue: number[], yPred: number[], groups: string[], privileged: string, weights?: number[]) {
  const { p, u } = privilegedSplit(yTrue, yPred, groups, privileged, weights);
  const sr = (c: Confusion) => (c.tp + c.fp) / c.w;
  const tpr = (c: Confusion) => c.tp / (c.tp + c.fn);
  const fpr = (c: Confusion) => c.fp / (c.fp + c.tn);
  const dFpr = fpr(u) - fpr(p);
  const dTpr = tpr(u) - tpr(p);
  const di = sr(u) / sr(p);
  return {
    privileged_group: privileged,
    statistical_parity_difference: sr(u) - sr(p),
    disparate_impact: di,
    four_fifths_rule_pass: di >= 0.8,
    equal_opportunity_difference: dTpr,
    average_odds_difference: (dFpr + dTpr) / 2,
    average_abs_odds_difference: (Math.abs(dFpr) + Math.abs(dTpr)) / 2,
    equalized_odds_difference: pyMax(Math.abs(dFpr), Math.abs(dTpr)),
  };
}
